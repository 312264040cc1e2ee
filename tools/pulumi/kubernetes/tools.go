//go:build tools

// Package tools records the provider main package pinned by this module.
package tools

import _ "github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes"
