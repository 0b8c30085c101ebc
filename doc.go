// Package pinhole holds Pinhole's domain: the types members and operators
// deal with (accounts, follows, posts, media, timelines), their validation,
// the identifiers and shard scheme, the service and store interfaces the
// other packages implement, and the one error type.
//
// It imports only the standard library. Each bounded context's logic lives
// in its own package (identity, graph, media, posts, feed); each external
// dependency in its own adapter (sqlite, blob, …); the web package only
// parses requests, calls one service and renders.
package pinhole
