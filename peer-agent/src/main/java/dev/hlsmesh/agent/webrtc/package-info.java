/**
 * WebRTC transport of the agent (internal, not an embedder API): the process-wide factory and one
 * data-channel link per remote peer, on webrtc-java. See PROTOCOL.md C.1 and
 * shared WEBRTC-JAVA-NOTES for the library's traps this package works around.
 */
package dev.hlsmesh.agent.webrtc;
