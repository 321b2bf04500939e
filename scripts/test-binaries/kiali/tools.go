//go:build tools

// Package tools pins the Kiali server that the Kubernetes suite builds and runs.
package tools

import _ "github.com/kiali/kiali"
