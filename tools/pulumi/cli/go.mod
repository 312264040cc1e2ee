// Pins the Pulumi engine (CLI) and the Node.js language host that match
// @pulumi/pulumi in package.json. Built by scripts/pulumi-from-source.sh.
//
// The language host is its own Go module (sdk/nodejs/cmd/pulumi-language-nodejs/v3
// in pulumi/pulumi); its upstream go.mod pins pkg/sdk to placeholder versions and
// replaces them with ../../../.. paths, so MVS here lifts them to v3.270.0.
module clusterlab.local/tools/pulumi/cli

go 1.26.6

require (
	github.com/pulumi/pulumi/pkg/v3 v3.270.0
	github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 v3.270.0
	github.com/pulumi/pulumi/sdk/v3 v3.270.0
)

// Copied from upstream pkg/go.mod (present at pkg/v3.230.0 … v3.260.0; the
// script compares against the upstream go.mod of the pinned version after
// `go mod download` and warns on any difference). Upstream's other replace,
// `github.com/pulumi/pulumi/sdk/v3 => ../sdk`, is a monorepo path and is
// deliberately not copied: the require above pins the same version.
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
