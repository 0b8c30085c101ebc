// Package deploy holds what an operator runs Pinhole with: the container
// image recipe (Dockerfile), the HAProxy configuration (haproxy/) and the
// Kubernetes manifests (k8s/). Its tests check them offline. The HAProxy
// configuration is embedded so that internal/localcluster runs its load
// balancer from the very file operators use.
package deploy

import _ "embed"

// HAProxyConfig is haproxy/haproxy.cfg.
//
//go:embed haproxy/haproxy.cfg
var HAProxyConfig string
