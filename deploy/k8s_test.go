package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// manifests are deploy/k8s's objects, decoded.
type manifests struct {
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	ingresses   []*networkingv1.Ingress
	pdbs        []*policyv1.PodDisruptionBudget
	hpas        map[string]*autoscalingv2.HorizontalPodAutoscaler // by file: alternatives, one applied
	netpols     []*networkingv1.NetworkPolicy
	runtimes    []*nodev1.RuntimeClass // optional: a runtime the pod may be given
}

// decodeStrict decodes one YAML document into out, refusing duplicate keys
// and any field out's type does not have — a misspelt or misplaced field
// that the API server would drop or reject.
func decodeStrict(data []byte, out any) error {
	j, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("more than one value")
	}
	return nil
}

// readManifests decodes every YAML file under k8s/ into the API type its
// apiVersion and kind name.
func readManifests(t *testing.T) manifests {
	t.Helper()
	m := manifests{hpas: map[string]*autoscalingv2.HorizontalPodAutoscaler{}}
	var files []string
	err := filepath.WalkDir("k8s", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if ext := filepath.Ext(path); ext != ".yaml" {
			t.Errorf("%s: only .yaml manifests belong in k8s/", path)
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if regexp.MustCompile(`(?m)^---`).Match(data) {
			t.Errorf("%s: one object per file, please (a second document would go unchecked)", path)
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(data, &tm); err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		var obj any
		switch tm.APIVersion + " " + tm.Kind {
		case "apps/v1 Deployment":
			d := &appsv1.Deployment{}
			m.deployments, obj = append(m.deployments, d), d
		case "v1 Service":
			s := &corev1.Service{}
			m.services, obj = append(m.services, s), s
		case "networking.k8s.io/v1 Ingress":
			i := &networkingv1.Ingress{}
			m.ingresses, obj = append(m.ingresses, i), i
		case "policy/v1 PodDisruptionBudget":
			p := &policyv1.PodDisruptionBudget{}
			m.pdbs, obj = append(m.pdbs, p), p
		case "autoscaling/v2 HorizontalPodAutoscaler":
			h := &autoscalingv2.HorizontalPodAutoscaler{}
			m.hpas[path], obj = h, h
		case "networking.k8s.io/v1 NetworkPolicy":
			n := &networkingv1.NetworkPolicy{}
			m.netpols, obj = append(m.netpols, n), n
		case "node.k8s.io/v1 RuntimeClass":
			r := &nodev1.RuntimeClass{}
			m.runtimes, obj = append(m.runtimes, r), r
		default:
			t.Errorf("%s: %s %s is not a kind this test knows to check", path, tm.APIVersion, tm.Kind)
			continue
		}
		if err := decodeStrict(data, obj); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
	if len(m.deployments) != 1 || len(m.services) != 1 || len(m.ingresses) != 1 || len(m.pdbs) != 1 || len(m.hpas) == 0 || len(m.netpols) != 1 {
		t.Fatalf("want one Deployment, Service, Ingress, PodDisruptionBudget and NetworkPolicy and an autoscaler; have %d, %d, %d, %d, %d, %d",
			len(m.deployments), len(m.services), len(m.ingresses), len(m.pdbs), len(m.netpols), len(m.hpas))
	}
	return m
}

// ptrString shows an optional number, or that it is missing.
func ptrString[N int32 | int64](p *N) string {
	if p == nil {
		return "(unset)"
	}
	return strconv.FormatInt(int64(*p), 10)
}

// selects says whether selector (match labels) picks pods labelled labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false // an empty selector picks everything: never meant here
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// TestManifests decodes deploy/k8s strictly into the Kubernetes API types
// and checks what ties the objects together, and to the course: selectors
// pick the pods, ports and probes reach the container's listeners, the
// grace period outlasts the drain, the args are flags the binary accepts.
func TestManifests(t *testing.T) {
	m := readManifests(t)
	d := m.deployments[0]
	pod := d.Spec.Template
	labels := pod.Labels

	if d.Spec.Selector == nil || len(d.Spec.Selector.MatchExpressions) > 0 || !selects(d.Spec.Selector.MatchLabels, labels) {
		t.Errorf("Deployment's selector %v does not select its own pods %v", d.Spec.Selector, labels)
	}
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	args := c.Args
	if len(c.Command) > 0 || len(args) == 0 || !strings.HasPrefix(args[0], "-") {
		t.Errorf("command %q args %q: want no command (the image's ENTRYPOINT is walkthrough serve) and serve's flags as args", c.Command, args)
	}

	// Ports: the container's named ports are the listeners the args ask for.
	portByName := map[string]int32{}
	for _, p := range c.Ports {
		portByName[p.Name] = p.ContainerPort
	}
	for flag, name := range map[string]string{"-addr": "http", "-metrics-addr": "metrics"} {
		host, port, err := splitFlagAddr(args, flag)
		if err != nil {
			t.Error(err)
			continue
		}
		if host != "0.0.0.0" {
			t.Errorf("%s %s:%s: a pod must listen on all its addresses", flag, host, port)
		}
		if strconv.Itoa(int(portByName[name])) != port {
			t.Errorf("container port %q is %d, %s listens on %s", name, portByName[name], flag, port)
		}
	}
	if ann := pod.Annotations["prometheus.io/port"]; ann != "" && ann != strconv.Itoa(int(portByName["metrics"])) {
		t.Errorf("prometheus.io/port %s, metrics port %d", ann, portByName["metrics"])
	}
	resolve := func(p intstr.IntOrString) int32 {
		if p.Type == intstr.String {
			return portByName[p.StrVal]
		}
		return p.IntVal
	}

	// Probes: readiness (turns 503 on SIGTERM) and liveness on the course's port.
	for _, pr := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"readiness", c.ReadinessProbe, "/readyz"}, {"liveness", c.LivenessProbe, "/healthz"}} {
		if pr.probe == nil || pr.probe.HTTPGet == nil {
			t.Errorf("%s probe: want an HTTP GET", pr.name)
			continue
		}
		if pr.probe.HTTPGet.Path != pr.path || resolve(pr.probe.HTTPGet.Port) != portByName["http"] || portByName["http"] == 0 {
			t.Errorf("%s probe GET %s on port %v, want %s on the course's port %d", pr.name, pr.probe.HTTPGet.Path, pr.probe.HTTPGet.Port.String(), pr.path, portByName["http"])
		}
	}

	// Drain: the grace period outlasts -drain-delay plus serve's own 5 s
	// to stop runs and close sockets; readiness notices within the delay.
	dv, ok := flagValue(args, "-drain-delay")
	drain, err := time.ParseDuration(dv)
	if !ok || err != nil || drain <= 0 {
		t.Fatalf("-drain-delay %q (%v): a Deployment needs one, so the Service stops sending learners before runs are stopped", dv, err)
	}
	if g := pod.Spec.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second <= drain+shutdownGrace {
		t.Errorf("terminationGracePeriodSeconds %s, want more than -drain-delay %v + %v", ptrString(g), drain, shutdownGrace)
	}
	if rp := c.ReadinessProbe; rp != nil {
		if notice := time.Duration(rp.PeriodSeconds*rp.FailureThreshold) * time.Second; notice >= drain {
			t.Errorf("readiness notices a drain after up to %v, not within -drain-delay %v", notice, drain)
		}
	}

	// Who is trusted, and which host is served.
	if v, ok := flagValue(args, "-trusted-proxies"); !ok || v == "" {
		t.Error("no -trusted-proxies: behind an ingress every learner would be one client")
	}
	pub, _ := flagValue(args, "-public-url")
	pubURL, err := url.Parse(pub)
	if err != nil || pubURL.Host == "" {
		t.Errorf("-public-url %q: want the learners' address", pub)
	}

	// Security: non-root, numeric, read-only root with /tmp writable.
	psc, csc := pod.Spec.SecurityContext, c.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Errorf("pod security context %+v: want runAsNonRoot with a non-zero runAsUser", psc)
	}
	if csc == nil || csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem ||
		csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
		t.Errorf("container security context %+v: want readOnlyRootFilesystem and no privilege escalation", csc)
	}
	tmp := false
	for _, vm := range c.VolumeMounts {
		tmp = tmp || (vm.MountPath == "/tmp" && !vm.ReadOnly)
	}
	if !tmp {
		t.Error("no writable /tmp: with a read-only root, the blocking lesson's demo could not write its temp file")
	}

	// Resources: requests within limits; Go's memory limit within the pod's.
	req, lim := c.Resources.Requests, c.Resources.Limits
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		rq, ok1 := req[r]
		l, ok2 := lim[r]
		if !ok1 || !ok2 || rq.Cmp(l) > 0 {
			t.Errorf("%s: request %v, limit %v: want both, request ≤ limit", r, rq.String(), l.String())
		}
	}
	for _, e := range c.Env {
		if e.Name != "GOMEMLIMIT" {
			continue
		}
		v, err := resource.ParseQuantity(strings.TrimSuffix(e.Value, "B")) // Go writes MiB, Kubernetes Mi
		memLim := lim[corev1.ResourceMemory]
		if err != nil || v.Cmp(memLim) >= 0 {
			t.Errorf("GOMEMLIMIT %q (%v): want below the memory limit %v, leaving room outside Go's heap", e.Value, err, memLim.String())
		}
	}

	// Service: selects the pods, sends to ports the container has.
	svc := m.services[0]
	if !selects(svc.Spec.Selector, labels) {
		t.Errorf("Service selector %v does not select the pods %v", svc.Spec.Selector, labels)
	}
	svcPorts := map[string]bool{}
	for _, p := range svc.Spec.Ports {
		svcPorts[p.Name] = true
		if target := resolve(p.TargetPort); target == 0 || !slices.Contains(slices.Collect(maps.Values(portByName)), target) {
			t.Errorf("Service port %s targets %s, which no container port is", p.Name, p.TargetPort.String())
		}
	}
	if !svcPorts["http"] {
		t.Error("the Service has no http port")
	}

	// Ingress: to the Service's http port, for the public host, with
	// timeouts longer than a quiet websocket.
	ing := m.ingresses[0]
	for _, rule := range ing.Spec.Rules {
		if rule.Host != pubURL.Hostname() {
			t.Errorf("Ingress host %q, -public-url's %q: the course would answer 403", rule.Host, pubURL.Hostname())
		}
		for _, p := range rule.HTTP.Paths {
			b := p.Backend.Service
			if b == nil || b.Name != svc.Name || (b.Port.Name != "" && !svcPorts[b.Port.Name]) {
				t.Errorf("Ingress path %s: backend %+v is not the Service %s's http port", p.Path, b, svc.Name)
			}
		}
	}
	if pubURL.Scheme == "https" && (len(ing.Spec.TLS) == 0 || !slices.Contains(ing.Spec.TLS[0].Hosts, pubURL.Hostname())) {
		t.Errorf("-public-url %s but the Ingress has no TLS for it", pub)
	}
	for _, a := range []string{"proxy-read-timeout", "proxy-send-timeout"} {
		v, err := strconv.Atoi(ing.Annotations["nginx.ingress.kubernetes.io/"+a])
		// The course pings every 30 s; a socket with no run lives 10 min.
		if err != nil || v < 600 {
			t.Errorf("Ingress %s %q: want at least 600 s, or quiet sockets are cut", a, ing.Annotations["nginx.ingress.kubernetes.io/"+a])
		}
	}

	// Disruption budget: picks the pods and leaves some serving.
	pdb := m.pdbs[0]
	if pdb.Spec.Selector == nil || !selects(pdb.Spec.Selector.MatchLabels, labels) {
		t.Errorf("PodDisruptionBudget selector %v does not select the pods %v", pdb.Spec.Selector, labels)
	}
	if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() < 1 {
		t.Errorf("PodDisruptionBudget maxUnavailable %v: want a number of pods ≥ 1, so nodes can still drain", pdb.Spec.MaxUnavailable)
	}

	// Autoscalers: scale this Deployment, never below what the budget needs.
	for path, h := range m.hpas {
		ref := h.Spec.ScaleTargetRef
		if ref.Kind != "Deployment" || ref.Name != d.Name || ref.APIVersion != "apps/v1" {
			t.Errorf("%s scales %+v, not the Deployment %s", path, ref, d.Name)
		}
		if h.Spec.MinReplicas == nil || int(*h.Spec.MinReplicas) <= pdb.Spec.MaxUnavailable.IntValue() || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
			t.Errorf("%s: replicas %s–%d: want a minimum above what the budget lets go (%v), and a maximum above it", path, ptrString(h.Spec.MinReplicas), h.Spec.MaxReplicas, pdb.Spec.MaxUnavailable)
		}
		if len(h.Spec.Metrics) == 0 {
			t.Errorf("%s follows no metric", path)
		}
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas <= int32(pdb.Spec.MaxUnavailable.IntValue()) {
		t.Errorf("Deployment replicas %s: want more than the budget's maxUnavailable", ptrString(d.Spec.Replicas))
	}

	// Last, the args themselves: serve accepts them and serves with them.
	checkServes(t, args)
}
