// kubectl for machines without a kubectl package: the same entry point as upstream
// kubernetes/kubernetes cmd/kubectl/kubectl.go, built from the k8s.io/kubectl module at the
// kube-local server's minor version (kubectl supports one minor of skew: Kubernetes "Version
// Skew Policy"). .ci/run builds it only when `kubectl` is not on PATH.
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"

	// Client auth plugins, as upstream imports them.
	_ "k8s.io/client-go/plugin/pkg/client/auth"
)

func main() {
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
