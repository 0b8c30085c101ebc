package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// kinds are the objects the manifests may hold, by apiVersion and kind.
// Anything else is an error: a misspelt kind or an API version the
// cluster has dropped would otherwise pass unnoticed until kubectl apply.
var kinds = map[string]func() any{
	"v1/Namespace":                           func() any { return new(corev1.Namespace) },
	"v1/ConfigMap":                           func() any { return new(corev1.ConfigMap) },
	"v1/Service":                             func() any { return new(corev1.Service) },
	"apps/v1/Deployment":                     func() any { return new(appsv1.Deployment) },
	"batch/v1/Job":                           func() any { return new(batchv1.Job) },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return new(autoscalingv2.HorizontalPodAutoscaler) },
	"policy/v1/PodDisruptionBudget":          func() any { return new(policyv1.PodDisruptionBudget) },
	"networking.k8s.io/v1/Ingress":           func() any { return new(networkingv1.Ingress) },
}

// kustomization is the part of kustomization.yaml the manifests use.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

// manifest is one decoded YAML document.
type manifest struct {
	File string // base name
	Doc  int    // 0-based index of the document in the file
	Obj  any    // *appsv1.Deployment, *corev1.Service, …
}

func (m manifest) String() string { return fmt.Sprintf("%s#%d", m.File, m.Doc) }

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*(#.*)?$`)

// decodeStream decodes every non-empty document of a YAML stream strictly.
func decodeStream(data []byte) ([]any, error) {
	var objs []any
	for i, doc := range docSeparator.Split(string(data), -1) {
		obj, err := decodeDocument([]byte(doc))
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if obj != nil {
			objs = append(objs, obj)
		}
	}
	return objs, nil
}

// decodeDocument decodes one YAML document into the Kubernetes type its
// apiVersion and kind name, refusing duplicate keys, unknown fields
// (case-sensitively, as the API server does) and values of the wrong type.
// A document holding only comments decodes to nil.
func decodeDocument(doc []byte) (any, error) {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(bytes.TrimSpace(j), []byte("null")) {
		return nil, nil
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(j, &head); err != nil {
		return nil, fmt.Errorf("not an object: %w", err)
	}
	if head.APIVersion == "" || head.Kind == "" {
		return nil, errors.New("apiVersion and kind are required")
	}
	newObj, ok := kinds[head.APIVersion+"/"+head.Kind]
	if !ok {
		return nil, fmt.Errorf("unexpected %s %s (known: %s)", head.APIVersion, head.Kind, strings.Join(knownKinds(), ", "))
	}
	obj := newObj()
	strict, err := kjson.UnmarshalStrict(j, obj, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", head.Kind, err)
	}
	if len(strict) > 0 {
		return nil, fmt.Errorf("%s: %w", head.Kind, errors.Join(strict...))
	}
	return obj, nil
}

func knownKinds() []string {
	var ks []string
	for k := range kinds {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// loadManifests decodes every YAML file of k8s/ but kustomization.yaml.
func loadManifests(t *testing.T) []manifest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("k8s", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no manifests in k8s/")
	}
	var all []manifest
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := decodeStream(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(objs) == 0 {
			t.Fatalf("%s: no Kubernetes object in it", f)
		}
		for i, o := range objs {
			all = append(all, manifest{File: filepath.Base(f), Doc: i, Obj: o})
		}
	}
	return all
}

// objectsOf returns the manifests' objects of one type.
func objectsOf[T any](ms []manifest) []T {
	var out []T
	for _, m := range ms {
		if o, ok := m.Obj.(T); ok {
			out = append(out, o)
		}
	}
	return out
}

func TestDecoderRejectsBrokenDocuments(t *testing.T) {
	const good = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: pinhole-web
spec:
  replicas: 3
  selector:
    matchLabels: {app: pinhole}
  template:
    metadata:
      labels: {app: pinhole}
    spec:
      containers:
        - name: pinhole
          image: pinhole:1
          ports:
            - containerPort: 8080
`
	if _, err := decodeDocument([]byte(good)); err != nil {
		t.Fatalf("the well-formed Deployment the cases below break is refused: %v", err)
	}
	cases := []struct {
		name, from, to string
	}{
		{"TypoInAField", "replicas: 3", "replica: 3"},
		{"FieldInTheWrongCase", "replicas: 3", "Replicas: 3"},
		{"WrongType", "replicas: 3", "replicas: three"},
		{"DuplicateKey", "replicas: 3", "replicas: 3\n  replicas: 4"},
		{"FieldAtTheWrongLevel", "          image: pinhole:1", "          image: pinhole:1\n          containerPort: 8080"},
		{"MisspeltKind", "kind: Deployment", "kind: Deploymnet"},
		{"RetiredAPIVersion", "apiVersion: apps/v1", "apiVersion: extensions/v1beta1"},
		{"NoKind", "kind: Deployment\n", ""},
		{"NotYAML", "  replicas: 3", "  replicas: [3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := strings.Replace(good, c.from, c.to, 1)
			if doc == good {
				t.Fatalf("the case does not change the document (%q not found)", c.from)
			}
			if obj, err := decodeDocument([]byte(doc)); err == nil {
				t.Errorf("decoded without error into %T:\n%s", obj, doc)
			}
		})
	}
	t.Run("ConfigMapValueNotAString", func(t *testing.T) {
		doc := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  PINHOLE_TRUST_PROXY: true\n"
		if _, err := decodeDocument([]byte(doc)); err == nil {
			t.Errorf("an unquoted boolean in a ConfigMap decoded")
		}
	})
	t.Run("BrokenSecondDocumentOfAStream", func(t *testing.T) {
		stream := "# comment only\n---\n" + good + "---\n" + strings.Replace(good, "replicas: 3", "replica: 3", 1)
		if _, err := decodeStream([]byte(stream)); err == nil || !strings.Contains(err.Error(), "document 2") {
			t.Errorf("decodeStream error = %v, want one naming document 2", err)
		}
	})
}

func TestManifestsDecodeStrictly(t *testing.T) {
	ms := loadManifests(t)
	seen := map[string]string{}
	for _, m := range ms {
		meta := objectMeta(m.Obj)
		if meta.name == "" {
			t.Errorf("%s: metadata.name is empty", m)
		}
		key := fmt.Sprintf("%T/%s", m.Obj, meta.name)
		if prev, dup := seen[key]; dup {
			t.Errorf("%s and %s both define %s", prev, m, key)
		}
		seen[key] = m.String()
	}
}

func TestKustomizationListsTheManifests(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("k8s", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		t.Errorf("kustomization.yaml is %s %s", k.APIVersion, k.Kind)
	}
	listed := map[string]bool{}
	for _, r := range k.Resources {
		if listed[r] {
			t.Errorf("kustomization.yaml lists %s twice", r)
		}
		listed[r] = true
		if _, err := os.Stat(filepath.Join("k8s", r)); err != nil {
			t.Errorf("kustomization.yaml lists %s: %v", r, err)
		}
	}
	files, _ := filepath.Glob(filepath.Join("k8s", "*.yaml"))
	for _, f := range files {
		b := filepath.Base(f)
		// The Job runs on its own before each rollout (see its header).
		if b == "kustomization.yaml" || b == "migrate-job.yaml" {
			continue
		}
		if !listed[b] {
			t.Errorf("k8s/%s is not in kustomization.yaml: kubectl apply -k would skip it", b)
		}
	}
	if listed["migrate-job.yaml"] {
		t.Errorf("kustomization.yaml lists the migrate Job: re-applying it with a new image fails (a Job's template is immutable)")
	}
}
