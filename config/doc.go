// Package config loads the job's YAML configuration: strictly (an unknown
// key is an error naming it), with defaults for everything but the source
// DSN, and validated so that every message names the key at fault.
//
// Input: the YAML text and the environment (RETENTION_SOURCE_DSN overrides
// source.dsn). Output: a Config whose every field is set and valid.
package config
