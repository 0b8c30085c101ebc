package deploy

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const (
	// secretName is the Secret the manifests read credentials from;
	// README.md tells the operator how to create it.
	secretName = "pinhole-secrets"
	// defaultDrainDelay is --drain-delay's default (cmd/pinhole).
	defaultDrainDelay = 2 * time.Second
	// shutdownBudget is how long `pinhole serve` lets in-flight requests
	// finish after the drain delay before it gives up (cmd/pinhole/main.go).
	shutdownBudget = 30 * time.Second
)

var knownRoles = map[string]bool{"web": true, "worker": true, "scheduler": true}

type meta struct{ name, namespace string }

func objectMeta(obj any) meta {
	if o, ok := obj.(metav1.Object); ok {
		return meta{o.GetName(), o.GetNamespace()}
	}
	return meta{}
}

// podWorkload is a Deployment or the Job, seen through its pod template.
type podWorkload struct {
	name string
	tpl  corev1.PodTemplateSpec
	sel  *metav1.LabelSelector // nil for the Job
}

func workloads(ms []manifest) []podWorkload {
	var ws []podWorkload
	for _, d := range objectsOf[*appsv1.Deployment](ms) {
		ws = append(ws, podWorkload{"Deployment " + d.Name, d.Spec.Template, d.Spec.Selector})
	}
	for _, j := range objectsOf[*batchv1.Job](ms) {
		ws = append(ws, podWorkload{"Job " + j.Name, j.Spec.Template, nil})
	}
	return ws
}

// selects reports whether a label selector matches a set of labels; an
// empty selector is refused, since it matches every pod in the namespace.
func selects(t *testing.T, sel *metav1.LabelSelector, l map[string]string) bool {
	t.Helper()
	if sel == nil || (len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0) {
		t.Errorf("empty label selector: it would match every pod")
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Errorf("label selector: %v", err)
		return false
	}
	return s.Matches(labels.Set(l))
}

// configMaps are the manifests' ConfigMaps by name.
func configMaps(ms []manifest) map[string]*corev1.ConfigMap {
	out := map[string]*corev1.ConfigMap{}
	for _, c := range objectsOf[*corev1.ConfigMap](ms) {
		out[c.Name] = c
	}
	return out
}

// containerEnv is what a container sees from its ConfigMaps and inline
// env (inline wins, as in Kubernetes); Secret values are unknown here.
func containerEnv(c corev1.Container, cms map[string]*corev1.ConfigMap) map[string]string {
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef != nil {
			if cm := cms[from.ConfigMapRef.Name]; cm != nil {
				for k, v := range cm.Data {
					env[from.Prefix+k] = v
				}
			}
		}
	}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	return env
}

func rolesOf(t *testing.T, c corev1.Container, cms map[string]*corev1.ConfigMap) []string {
	t.Helper()
	v, ok := containerEnv(c, cms)["PINHOLE_ROLES"]
	if !ok {
		t.Errorf("container %s: PINHOLE_ROLES is not set: it would run every role", c.Name)
		return nil
	}
	var roles []string
	for _, r := range strings.Split(v, ",") {
		r = strings.TrimSpace(r)
		if !knownRoles[r] {
			t.Errorf("container %s: PINHOLE_ROLES=%q: unknown role %q", c.Name, v, r)
			continue
		}
		roles = append(roles, r)
	}
	return roles
}

// pinholeEnvNames are the PINHOLE_* variables cmd/pinhole reads.
func pinholeEnvNames(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "cmd", "pinhole", "config.go"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, m := range regexp.MustCompile(`\benv(?:Int|Bool|Dur)?\("([A-Z0-9_]+)"`).FindAllSubmatch(src, -1) {
		names["PINHOLE_"+string(m[1])] = true
	}
	if len(names) < 5 {
		t.Fatalf("found only %d settings in cmd/pinhole/config.go: the pattern no longer matches how it reads PINHOLE_* variables", len(names))
	}
	return names
}

func TestWorkloads(t *testing.T) {
	ms := loadManifests(t)
	cms := configMaps(ms)
	known := pinholeEnvNames(t)
	img := dockerImage(t)
	ws := workloads(ms)
	if len(ws) == 0 {
		t.Fatal("no Deployment or Job")
	}
	image := ""
	for _, w := range ws {
		t.Run(strings.ReplaceAll(w.name, " ", "_"), func(t *testing.T) {
			spec := w.tpl.Spec
			isJob := w.sel == nil
			if !isJob && !selects(t, w.sel, w.tpl.Labels) {
				t.Errorf("selector %v does not match the pod template's labels %v", w.sel.MatchLabels, w.tpl.Labels)
			}
			checkPodSecurity(t, spec, img)
			if !isJob {
				drain := defaultDrainDelay
				for _, c := range spec.Containers {
					if v, ok := containerEnv(c, cms)["PINHOLE_DRAIN_DELAY"]; ok {
						d, err := time.ParseDuration(v)
						if err != nil {
							t.Errorf("container %s: PINHOLE_DRAIN_DELAY=%q: %v", c.Name, v, err)
						}
						drain = max(drain, d)
					}
				}
				grace := time.Duration(0)
				if spec.TerminationGracePeriodSeconds != nil {
					grace = time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second
				} else {
					grace = 30 * time.Second // Kubernetes' default
				}
				if grace <= drain+shutdownBudget {
					t.Errorf("terminationGracePeriodSeconds %v: must exceed the drain delay %v plus the %v Pinhole gives in-flight requests, or pods are killed mid-request", grace, drain, shutdownBudget)
				}
				for _, tsc := range spec.TopologySpreadConstraints {
					if !selects(t, tsc.LabelSelector, w.tpl.Labels) {
						t.Errorf("topology spread on %s does not select this workload's pods", tsc.TopologyKey)
					}
				}
			}
			if len(spec.Containers) == 0 {
				t.Fatal("no containers")
			}
			for _, c := range spec.Containers {
				if image == "" {
					image = c.Image
				}
				if c.Image != image {
					t.Errorf("container %s runs %s, others %s: every process of a release runs the same image", c.Name, c.Image, image)
				}
				checkImagePinned(t, c)
				checkEnv(t, c, cms, known)
				checkResources(t, c)
				checkContainerSecurity(t, c, spec, img)
				if isJob {
					if len(c.Args) == 0 || c.Args[0] != "migrate" {
						t.Errorf("Job container %s: args %v, want [migrate]", c.Name, c.Args)
					}
					continue
				}
				if len(c.Args) > 0 && c.Args[0] != "serve" {
					t.Errorf("container %s: args %v, want serve", c.Name, c.Args)
				}
				rolesOf(t, c, cms)
				checkProbes(t, c, img)
				if env := containerEnv(c, cms); env["PINHOLE_NATS"] == "" {
					t.Errorf("container %s: PINHOLE_NATS is not set: processes split by role must share an external NATS (the embedded one lives inside one process)", c.Name)
				}
			}
		})
	}
	if jobs := objectsOf[*batchv1.Job](ms); len(jobs) > 0 {
		for _, j := range jobs {
			if p := j.Spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyNever && p != corev1.RestartPolicyOnFailure {
				t.Errorf("Job %s: restartPolicy %q, want Never or OnFailure", j.Name, p)
			}
		}
	}
}

func TestEveryRoleRuns(t *testing.T) {
	ms := loadManifests(t)
	cms := configMaps(ms)
	want := map[string]int32{"web": 2, "worker": 1, "scheduler": 1}
	got := map[string]int32{}
	for _, d := range objectsOf[*appsv1.Deployment](ms) {
		replicas := int32(1)
		if d.Spec.Replicas != nil {
			replicas = *d.Spec.Replicas
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			for _, r := range rolesOf(t, c, cms) {
				got[r] += replicas
			}
		}
	}
	for role, min := range want {
		if got[role] < min {
			t.Errorf("%d replicas run the %s role, want at least %d", got[role], role, min)
		}
	}
}

func checkImagePinned(t *testing.T, c corev1.Container) {
	t.Helper()
	ref := c.Image
	if at := strings.Index(ref, "@sha256:"); at > 0 {
		return
	}
	slash := strings.LastIndex(ref, "/")
	colon := strings.LastIndex(ref, ":")
	if colon <= slash || colon == len(ref)-1 {
		t.Errorf("container %s: image %q has no tag or digest: it would pull :latest", c.Name, ref)
		return
	}
	if tag := ref[colon+1:]; tag == "latest" {
		t.Errorf("container %s: image %q: pin a version, not :latest", c.Name, ref)
	}
	if c.ImagePullPolicy == corev1.PullAlways {
		// Fine with a pinned tag, but worth knowing it is deliberate.
		t.Logf("container %s pulls on every start", c.Name)
	}
}

func checkEnv(t *testing.T, c corev1.Container, cms map[string]*corev1.ConfigMap, known map[string]bool) {
	t.Helper()
	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			if cms[from.ConfigMapRef.Name] == nil {
				t.Errorf("container %s reads ConfigMap %q, which no manifest defines", c.Name, from.ConfigMapRef.Name)
			}
		case from.SecretRef != nil:
			if from.SecretRef.Name != secretName {
				t.Errorf("container %s reads Secret %q; README.md documents %q", c.Name, from.SecretRef.Name, secretName)
			}
		}
	}
	for _, e := range c.Env {
		if strings.HasPrefix(e.Name, "PINHOLE_") && !known[e.Name] {
			t.Errorf("container %s sets %s, which cmd/pinhole does not read", c.Name, e.Name)
		}
		if e.Value != "" {
			if why := secretLooking(e.Name, e.Value); why != "" {
				t.Errorf("container %s: env %s in plain text: %s", c.Name, e.Name, why)
			}
		}
	}
}

func checkResources(t *testing.T, c corev1.Container) {
	t.Helper()
	r := c.Resources
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := r.Requests[name]; !ok || q.IsZero() {
			t.Errorf("container %s: no %s request (the scheduler and the CPU autoscaler need it)", c.Name, name)
		}
	}
	lim, ok := r.Limits[corev1.ResourceMemory]
	if !ok || lim.IsZero() {
		t.Errorf("container %s: no memory limit", c.Name)
	} else if req := r.Requests[corev1.ResourceMemory]; lim.Cmp(req) < 0 {
		t.Errorf("container %s: memory limit %s below its request %s", c.Name, lim.String(), req.String())
	}
}

func checkPodSecurity(t *testing.T, spec corev1.PodSpec, img image) {
	t.Helper()
	sc := spec.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("pod securityContext.runAsNonRoot is not true")
	}
	if sc != nil && sc.RunAsUser != nil && fmt.Sprint(*sc.RunAsUser) != img.uid {
		t.Errorf("pod runs as uid %d, the image's user is %s", *sc.RunAsUser, img.uid)
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Errorf("automountServiceAccountToken is not false: Pinhole never talks to the Kubernetes API")
	}
}

func checkContainerSecurity(t *testing.T, c corev1.Container, spec corev1.PodSpec, img image) {
	t.Helper()
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("container %s: readOnlyRootFilesystem is not true", c.Name)
	}
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("container %s: allowPrivilegeEscalation is not false", c.Name)
	}
	if sc == nil || sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
		t.Errorf("container %s: capabilities must drop ALL", c.Name)
	}
	vols := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		vols[v.Name] = v
	}
	mounted := map[string]string{}
	for _, m := range c.VolumeMounts {
		v, ok := vols[m.Name]
		if !ok {
			t.Errorf("container %s mounts volume %q, which the pod does not define", c.Name, m.Name)
			continue
		}
		if v.EmptyDir != nil {
			mounted[m.MountPath] = m.Name
		}
	}
	// With a read-only root, the writable places must be volumes.
	for _, dir := range []string{"/tmp", img.dataDir} {
		if mounted[dir] == "" {
			t.Errorf("container %s: %s is not a writable emptyDir: with a read-only root filesystem Pinhole cannot write there", c.Name, dir)
		}
	}
}

func checkProbes(t *testing.T, c corev1.Container, img image) {
	t.Helper()
	ports := map[string]int32{}
	for _, p := range c.Ports {
		if p.Name != "" {
			ports[p.Name] = p.ContainerPort
		}
	}
	if len(c.Ports) == 0 || c.Ports[0].ContainerPort != img.port {
		t.Errorf("container %s: ports %v, want the image's %d (PINHOLE_LISTEN)", c.Name, c.Ports, img.port)
	}
	probes := []struct {
		kind  string
		probe *corev1.Probe
		path  string
	}{
		{"readinessProbe", c.ReadinessProbe, "/readyz"},
		{"livenessProbe", c.LivenessProbe, "/healthz"},
		{"startupProbe", c.StartupProbe, "/healthz"},
	}
	for _, p := range probes {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("container %s: no HTTP %s", c.Name, p.kind)
			continue
		}
		g := p.probe.HTTPGet
		if g.Path != p.path {
			t.Errorf("container %s: %s on %s, want %s", c.Name, p.kind, g.Path, p.path)
		}
		switch g.Port.Type {
		case intstr.String:
			if _, ok := ports[g.Port.StrVal]; !ok {
				t.Errorf("container %s: %s uses port %q, which the container does not name", c.Name, p.kind, g.Port.StrVal)
			}
		case intstr.Int:
			if g.Port.IntVal != img.port {
				t.Errorf("container %s: %s on port %d, Pinhole listens on %d", c.Name, p.kind, g.Port.IntVal, img.port)
			}
		}
	}
	// Liveness must never fail merely because a dependency is down
	// (that is /readyz's job): restarting would not help.
	if c.LivenessProbe != nil && c.ReadinessProbe != nil && c.LivenessProbe.HTTPGet != nil && c.LivenessProbe.HTTPGet.Path == "/readyz" {
		t.Errorf("container %s: liveness on /readyz restarts every pod when a database blips", c.Name)
	}
}

func TestServiceSelectsWebPods(t *testing.T) {
	ms := loadManifests(t)
	cms := configMaps(ms)
	svcs := objectsOf[*corev1.Service](ms)
	if len(svcs) == 0 {
		t.Fatal("no Service")
	}
	for _, svc := range svcs {
		t.Run(svc.Name, func(t *testing.T) {
			sel := &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}
			matched := 0
			for _, d := range objectsOf[*appsv1.Deployment](ms) {
				if !selects(t, sel, d.Spec.Template.Labels) {
					continue
				}
				matched++
				for _, c := range d.Spec.Template.Spec.Containers {
					web := false
					for _, r := range rolesOf(t, c, cms) {
						web = web || r == "web"
					}
					if !web {
						t.Errorf("selects Deployment %s, whose pods do not run the web role", d.Name)
					}
					for _, p := range svc.Spec.Ports {
						if !containerHasPort(c, p.TargetPort, p.Port) {
							t.Errorf("port %s targets %s, which container %s of %s does not expose", p.Name, p.TargetPort.String(), c.Name, d.Name)
						}
					}
				}
			}
			if matched == 0 {
				t.Errorf("selector %v matches no Deployment", svc.Spec.Selector)
			}
		})
	}
}

func containerHasPort(c corev1.Container, target intstr.IntOrString, servicePort int32) bool {
	for _, p := range c.Ports {
		switch {
		case target.Type == intstr.String && target.StrVal != "" && p.Name == target.StrVal:
			return true
		case target.Type == intstr.Int && target.IntVal != 0 && p.ContainerPort == target.IntVal:
			return true
		case target.Type == intstr.Int && target.IntVal == 0 && p.ContainerPort == servicePort:
			return true // no targetPort: the service port
		}
	}
	return false
}

func TestIngressRoutesToTheService(t *testing.T) {
	ms := loadManifests(t)
	svcs := map[string]*corev1.Service{}
	for _, s := range objectsOf[*corev1.Service](ms) {
		svcs[s.Name] = s
	}
	for _, ing := range objectsOf[*networkingv1.Ingress](ms) {
		for _, rule := range ing.Spec.Rules {
			if rule.HTTP == nil {
				continue
			}
			for _, p := range rule.HTTP.Paths {
				b := p.Backend.Service
				if b == nil {
					t.Errorf("Ingress %s path %s has no service backend", ing.Name, p.Path)
					continue
				}
				svc := svcs[b.Name]
				if svc == nil {
					t.Errorf("Ingress %s routes to Service %q, which no manifest defines", ing.Name, b.Name)
					continue
				}
				found := false
				for _, sp := range svc.Spec.Ports {
					found = found || (b.Port.Name != "" && sp.Name == b.Port.Name) || (b.Port.Number != 0 && sp.Port == b.Port.Number)
				}
				if !found {
					t.Errorf("Ingress %s routes to port %v of Service %s, which it does not have", ing.Name, b.Port, b.Name)
				}
			}
		}
	}
}

func TestAutoscalerAndDisruptionBudget(t *testing.T) {
	ms := loadManifests(t)
	deps := map[string]*appsv1.Deployment{}
	for _, d := range objectsOf[*appsv1.Deployment](ms) {
		deps[d.Name] = d
	}
	hpas := objectsOf[*autoscalingv2.HorizontalPodAutoscaler](ms)
	if len(hpas) == 0 {
		t.Fatal("no HorizontalPodAutoscaler")
	}
	minWeb := int32(0)
	for _, h := range hpas {
		ref := h.Spec.ScaleTargetRef
		d := deps[ref.Name]
		if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || d == nil {
			t.Errorf("HPA %s targets %s %s %q, not a Deployment of the manifests", h.Name, ref.APIVersion, ref.Kind, ref.Name)
			continue
		}
		min := int32(1)
		if h.Spec.MinReplicas != nil {
			min = *h.Spec.MinReplicas
		}
		if min < 1 || min > h.Spec.MaxReplicas {
			t.Errorf("HPA %s: minReplicas %d, maxReplicas %d", h.Name, min, h.Spec.MaxReplicas)
		}
		if d.Spec.Replicas != nil && (*d.Spec.Replicas < min || *d.Spec.Replicas > h.Spec.MaxReplicas) {
			t.Errorf("Deployment %s starts with %d replicas, outside its HPA's %d..%d", d.Name, *d.Spec.Replicas, min, h.Spec.MaxReplicas)
		}
		if len(h.Spec.Metrics) == 0 {
			t.Errorf("HPA %s has no metric", h.Name)
		}
		for _, m := range h.Spec.Metrics {
			if m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Target.Type == autoscalingv2.UtilizationMetricType {
				for _, c := range d.Spec.Template.Spec.Containers {
					if _, ok := c.Resources.Requests[m.Resource.Name]; !ok {
						t.Errorf("HPA %s scales on %s utilization, but container %s requests no %s", h.Name, m.Resource.Name, c.Name, m.Resource.Name)
					}
				}
			}
		}
		if d.Labels["app.kubernetes.io/component"] == "web" {
			minWeb = min
		}
	}
	if minWeb == 0 {
		t.Errorf("no HPA scales the web Deployment")
	}

	pdbs := objectsOf[*policyv1.PodDisruptionBudget](ms)
	if len(pdbs) == 0 {
		t.Fatal("no PodDisruptionBudget")
	}
	for _, p := range pdbs {
		matched := false
		for _, d := range deps {
			if selects(t, p.Spec.Selector, d.Spec.Template.Labels) {
				matched = true
				if d.Labels["app.kubernetes.io/component"] != "web" {
					t.Errorf("PDB %s selects Deployment %s, not web pods", p.Name, d.Name)
				}
			}
		}
		if !matched {
			t.Errorf("PDB %s selects no pods", p.Name)
		}
		if p.Spec.MinAvailable != nil && p.Spec.MinAvailable.Type == intstr.Int && p.Spec.MinAvailable.IntVal >= minWeb {
			t.Errorf("PDB %s: minAvailable %d with as few as %d web pods blocks every node drain", p.Name, p.Spec.MinAvailable.IntVal, minWeb)
		}
		if p.Spec.MinAvailable == nil && p.Spec.MaxUnavailable == nil {
			t.Errorf("PDB %s sets neither minAvailable nor maxUnavailable", p.Name)
		}
	}
}

func TestNamespaceIsConsistent(t *testing.T) {
	ms := loadManifests(t)
	nss := objectsOf[*corev1.Namespace](ms)
	if len(nss) != 1 {
		t.Fatalf("%d Namespace objects, want 1", len(nss))
	}
	for _, m := range ms {
		if _, ok := m.Obj.(*corev1.Namespace); ok {
			continue
		}
		if ns := objectMeta(m.Obj).namespace; ns != nss[0].Name {
			t.Errorf("%s: namespace %q, want %q", m, ns, nss[0].Name)
		}
	}
}

func TestConfigMapsHoldNoSecrets(t *testing.T) {
	ms := loadManifests(t)
	known := pinholeEnvNames(t)
	for _, cm := range objectsOf[*corev1.ConfigMap](ms) {
		if len(cm.BinaryData) > 0 {
			t.Errorf("ConfigMap %s has binaryData", cm.Name)
		}
		for k, v := range cm.Data {
			if why := secretLooking(k, v); why != "" {
				t.Errorf("ConfigMap %s: %s: %s", cm.Name, k, why)
			}
			if strings.HasPrefix(k, "PINHOLE_") && !known[k] {
				t.Errorf("ConfigMap %s sets %s, which cmd/pinhole does not read", cm.Name, k)
			}
		}
	}
}

// credentialSettings hold connection strings that carry passwords.
var credentialSettings = map[string]bool{
	"PINHOLE_DIRECTORY_DB": true, "PINHOLE_SHARD_DBS": true, "PINHOLE_REDIS": true, "PINHOLE_MEDIA_URL_KEYS": true,
}

var secretKeyPattern = regexp.MustCompile(`(?i)(passw|secret|token|credential|private|api_?key|access_?key|_keys?$)`)

// secretLooking says why a setting looks like a secret, or "".
func secretLooking(key, value string) string {
	if credentialSettings[key] {
		return "connection strings and keys belong in the Secret " + secretName
	}
	if secretKeyPattern.MatchString(key) {
		return "its name says it is a secret"
	}
	for _, part := range strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == '|' || r == ' ' }) {
		u, err := url.Parse(part)
		if err != nil || u.Scheme == "" {
			continue
		}
		if _, has := u.User.Password(); has {
			return "the URL carries a password"
		}
		for q := range u.Query() {
			if secretKeyPattern.MatchString(q) || strings.EqualFold(q, "password") {
				return "the URL carries a credential in its query (" + q + ")"
			}
		}
	}
	return ""
}

func TestSecretLookingCatchesCredentials(t *testing.T) {
	cases := []struct {
		key, value string
		secret     bool
	}{
		{"PINHOLE_REDIS", "redis://redis:6379/0", true},
		{"PINHOLE_SHARD_DBS", "postgres://p1|postgres://r1", true},
		{"PINHOLE_NATS", "nats://pinhole:hunter2@nats:4222", true},
		{"PINHOLE_BLOB", "s3://media?region=eu&secret_access_key=abc", true},
		{"SMTP_PASSWORD", "x", true},
		{"PINHOLE_OAUTH_TOKEN", "x", true},
		{"PINHOLE_NATS", "nats://nats:4222", false},
		{"PINHOLE_BLOB", "s3://media?region=eu-west-1", false},
		{"PINHOLE_PUBLIC_URL", "https://pinhole.example.com", false},
		{"PINHOLE_LOG_LEVEL", "info", false},
	}
	for _, c := range cases {
		if got := secretLooking(c.key, c.value) != ""; got != c.secret {
			t.Errorf("secretLooking(%q, %q) = %v, want %v", c.key, c.value, got, c.secret)
		}
	}
}

func TestReadmeDocumentsTheSecret(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	cmd := regexp.MustCompile(`kubectl[^\n]*create secret generic ` + regexp.QuoteMeta(secretName) + `((?:[^\n]*\\\n)*[^\n]*)`).FindSubmatch(readme)
	if cmd == nil {
		t.Fatalf("README.md does not show `kubectl create secret generic %s`", secretName)
	}
	known := pinholeEnvNames(t)
	set := map[string]bool{}
	for _, m := range regexp.MustCompile(`--from-(?:literal|file)=([A-Z0-9_]+)=`).FindAllSubmatch(cmd[1], -1) {
		set[string(m[1])] = true
		if name := string(m[1]); strings.HasPrefix(name, "PINHOLE_") && !known[name] {
			t.Errorf("README's Secret sets %s, which cmd/pinhole does not read", name)
		}
	}
	for k := range credentialSettings {
		if !set[k] {
			t.Errorf("README's Secret command does not set %s", k)
		}
	}
}
