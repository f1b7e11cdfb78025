package kube

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"

	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/fleet/internal/kubetest"
)

// manifestsDir holds the manifests docs/fleet-kubernetes.md shows.
const manifestsDir = "../../docs/kubernetes"

// applyManifests creates every object of every manifest file, as the administrator: the
// API server validates and stores each (a CronJob and a Deployment too, though no
// kubelet runs them here).
func applyManifests(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(manifestsDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s: %v", manifestsDir, err)
	}
	cfg := api.Config(kubetest.Admin)
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))
	var kinds []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
		for {
			var obj unstructured.Unstructured
			if err := dec.Decode(&obj.Object); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if obj.Object == nil {
				continue
			}
			gvk := obj.GroupVersionKind()
			m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
			if err != nil {
				t.Fatalf("%s: %s: %v", f, gvk, err)
			}
			var res dynamic.ResourceInterface = dyn.Resource(m.Resource)
			if m.Scope.Name() == meta.RESTScopeNameNamespace {
				res = dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
			}
			if _, err := res.Create(ctx(t), &obj, metav1.CreateOptions{}); err != nil {
				t.Fatalf("%s: the API server refused %s %s: %v", filepath.Base(f), gvk.Kind, obj.GetName(), err)
			}
			kinds = append(kinds, gvk.Kind+"/"+obj.GetName())
		}
	}
	return kinds
}

// TestDocumentedManifests applies every manifest of the docs to the API server, then
// checks the Roles both ways: the rotator's identity rotates with its Role and can do
// nothing more; the consumer's reads the token (get, list, watch on the one name) and
// can neither update the Secret nor read another.
func TestDocumentedManifests(t *testing.T) {
	w := newWorldIn(t, docsNamespace)
	kinds := applyManifests(t)
	for _, want := range []string{"CronJob/vault-token-rotate", "Deployment/myapp", "Role/vault-token-rotator", "Role/vault-token-consumer"} {
		if !strings.Contains(strings.Join(kinds, " "), want) {
			t.Errorf("the manifests hold no %s: %v", want, kinds)
		}
	}
	if _, err := w.admin.CoreV1().Secrets(docsNamespace).Create(ctx(t), secret("another-secret"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	t.Run("rotator", func(t *testing.T) {
		if _, err := w.rotator(w.store(api.Config(rotatorSA))).Rotate(ctx(t), fleet.RotateOptions{}); err != nil {
			t.Fatalf("a rotation with the documented Role: %v", err)
		}
		if _, err := w.rotator(w.store(api.Config(rotatorSA))).Rotate(ctx(t), fleet.RotateOptions{}); err != nil {
			t.Fatalf("a second rotation (a grace Lease to update): %v", err)
		}
		cs := clientset(t, rotatorSA)
		forbidden(t, "get another Secret", func() error {
			_, err := cs.CoreV1().Secrets(docsNamespace).Get(ctx(t), "another-secret", metav1.GetOptions{})
			return err
		})
		forbidden(t, "list Secrets", func() error {
			_, err := cs.CoreV1().Secrets(docsNamespace).List(ctx(t), metav1.ListOptions{})
			return err
		})
		forbidden(t, "delete the Secret", func() error {
			return cs.CoreV1().Secrets(docsNamespace).Delete(ctx(t), docsSecret, metav1.DeleteOptions{})
		})
	})

	t.Run("consumer", func(t *testing.T) {
		c := w.consumer(api.Config(consumerSA))
		want := w.status().Current.ID
		c.waitFor(t, want)
		if err := c.call(ctx(t)); err != nil {
			t.Fatal(err)
		}
		cs := clientset(t, consumerSA)
		// What the Source sends: get, then a list and a watch with a field selector on the
		// name (a failing watch would be hidden by its fresh reads).
		byName := metav1.ListOptions{FieldSelector: "metadata.name=" + docsSecret}
		if _, err := cs.CoreV1().Secrets(docsNamespace).List(ctx(t), byName); err != nil {
			t.Errorf("list the one Secret: %v", err)
		}
		if wi, err := cs.CoreV1().Secrets(docsNamespace).Watch(ctx(t), byName); err != nil {
			t.Errorf("watch the one Secret: %v", err)
		} else {
			wi.Stop()
		}
		forbidden(t, "update the Secret", func() error {
			sec, err := w.admin.CoreV1().Secrets(docsNamespace).Get(ctx(t), docsSecret, metav1.GetOptions{})
			if err != nil {
				return err
			}
			_, err = cs.CoreV1().Secrets(docsNamespace).Update(ctx(t), sec, metav1.UpdateOptions{})
			return err
		})
		forbidden(t, "get another Secret", func() error {
			_, err := cs.CoreV1().Secrets(docsNamespace).Get(ctx(t), "another-secret", metav1.GetOptions{})
			return err
		})
		// A rotator run with the consumer's identity stops at the lock, in one line that
		// names the verb, the resource and the identity.
		w.endGrace()
		_, err := w.rotator(w.store(api.Config(consumerSA))).Rotate(ctx(t), fleet.RotateOptions{})
		if err == nil {
			t.Fatal("a rotation with the consumer's identity succeeded")
		}
		msg := err.Error()
		for _, want := range []string{"Lease", "forbidden", consumerSA} {
			if !strings.Contains(msg, want) {
				t.Errorf("the refusal %q does not say %q", msg, want)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("the refusal is more than one line: %q", msg)
		}
	})
}

func clientset(t *testing.T, user string) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(api.Config(user))
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func forbidden(t *testing.T, what string, do func() error) {
	t.Helper()
	if err := do(); !apierrors.IsForbidden(err) {
		t.Errorf("%s: %v, want forbidden", what, err)
	}
}
