/** Tracker configuration: the validated record and its YAML/environment loader. API. */
package dev.hlsmesh.tracker.config;
