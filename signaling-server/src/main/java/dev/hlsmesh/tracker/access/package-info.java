/**
 * Join tokens (JWT HS256) that let a platform decide who may join which swarm: {@link
 * dev.hlsmesh.tracker.access.JoinTokens} mints them for the platform's backend, {@link
 * dev.hlsmesh.tracker.access.JoinTokenVerifier} checks them before the WebSocket upgrade.
 * docs/security.md describes the format.
 */
package dev.hlsmesh.tracker.access;
