package kube

import (
	"fmt"
	"path/filepath"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// LoadConfig finds the API server as kubectl does: the kubeconfig file named (or a list of
// them, as $KUBECONFIG holds: merged), "" for $KUBECONFIG then ~/.kube/config; with no
// kubeconfig at all, the pod's service account (in-cluster). The namespace is the one
// given, else the kubeconfig context's, else the pod's, else "default".
func LoadConfig(kubeconfig, namespace string) (*rest.Config, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if paths := filepath.SplitList(kubeconfig); len(paths) > 1 {
		rules.Precedence = paths
	} else {
		rules.ExplicitPath = kubeconfig
	}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("fleet/kube: no way to reach a Kubernetes API server (--kubeconfig, $KUBECONFIG, ~/.kube/config, or a pod's service account): %w", err)
	}
	if namespace == "" {
		if namespace, _, err = cc.Namespace(); err != nil {
			return nil, "", fmt.Errorf("fleet/kube: the namespace: %w", err)
		}
	}
	return cfg, namespace, nil
}
