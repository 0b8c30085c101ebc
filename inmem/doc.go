// Package inmem holds the in-process defaults of things that are shared
// services at scale: the rate limiter and the cache.
package inmem
