// Pins the Kubernetes resource provider that matches @pulumi/kubernetes in
// package.json. Separate from ../cli because the provider drags in its own
// k8s.io/helm dependency graph and upstream replace directives.
//
// scripts/pulumi-from-source.sh does NOT `go build` the provider through this
// module: upstream's main package embeds schema-embed.json, a generated file
// that is not in the module zip. The script downloads the version pinned
// here, copies the module source, generates schema-embed.json from the
// committed schema.json and builds inside that copy, so upstream's own
// go.mod, go.sum and replace directives apply unchanged.
module clusterlab.local/tools/pulumi/kubernetes

go 1.26.6

require github.com/pulumi/pulumi-kubernetes/provider/v4 v4.34.2
