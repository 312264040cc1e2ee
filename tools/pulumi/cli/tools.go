//go:build tools

// Package tools records the main packages that scripts/pulumi-from-source.sh
// builds from this module, so `go mod tidy` keeps their requirements.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
	_ "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3"
)
