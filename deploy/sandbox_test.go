package deploy

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bingfa-manyou/walkthrough/runner/gobuild"
	"github.com/bingfa-manyou/walkthrough/runner/testenv"
)

// The pod's memory, as deploy/README.md ("Memory") derives it. The
// children's own caps come from the Deployment's args and the course's
// packages; these are the shares that are budgets, not rlimits.
const (
	// serverShare is the course itself, without its children: idle 28 MiB,
	// 39 KiB per open socket (4096: 156 MiB), runs in flight (128
	// flags-semaphore runs: 64 MiB) — 250 MiB measured (capacity plan) —
	// and room for the collector. GOMEMLIMIT keeps its heap inside it.
	serverShare = 384 << 20
	// shimShare is each sandbox's first process: the server's binary
	// started again, which builds the child's world, serves the flag site
	// on its loopback and waits. A budget: a Go process of this size is
	// 10-20 MiB resident.
	shimShare = 32 << 20
	// buildShare is one edit's build with a warm cache: the go command, the
	// compiler for the edited lesson and for main, and the linker, one
	// after another. Measured on an edit of the semaphore lesson beside
	// the flag site (README.md has the command): compiler 30 and 16 MiB,
	// linker 131 MiB (146 MiB with -race); 512 MiB holds that about 2½
	// times over. Each toolchain process may reach RLIMIT_DATA (2 GiB),
	// which a lesson never comes near: the one share here that the kernel
	// does not enforce (README.md says what follows).
	buildShare = 512 << 20
)

// Where the pod's temp folder goes (deploy/README.md, "Disk").
const (
	// cacheOvershoot is how far the Go build cache may grow past its bound
	// before it is emptied: the builder looks at its size every 20 builds,
	// each adding the lesson's package and main (1-3 MiB; 12 MiB allowed).
	cacheOvershoot = 20 * 12 << 20
	// runFolder is one edited run's own folder: the module's source
	// (under 1 MiB) and the built program (5.2 MiB, 6.6 MiB with -race).
	runFolder = 64 << 20
	// tempRest is everything else in the temp folder: the sandbox's state
	// (a copy of the server's binary, when the sandbox's user cannot
	// reach the original) and the blocking lesson's temp file.
	tempRest = 64 << 20
)

// podShape is what the Deployment gives the course and its children.
type podShape struct {
	container     corev1.Container
	pod           corev1.PodSpec
	editRuns      int   // -edit-runs: edited programs at once
	editMemory    int64 // -edit-memory: each one's RLIMIT_DATA
	pythonRuns    int   // -python-runs
	pythonMemory  int64 // -python-memory: each one's RLIMIT_AS
	memoryLimit   int64
	goMemoryLimit int64
}

// intFlag reads a whole-number flag the Deployment must give explicitly:
// the memory arithmetic is about what the pod runs, not about defaults
// that may change.
func intFlag(t *testing.T, args []string, flag string) int64 {
	t.Helper()
	v, ok := flagValue(args, flag)
	if !ok {
		t.Fatalf("the Deployment's args do not set %s: the memory limit is computed from it", flag)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		t.Fatalf("%s %q: want a positive whole number", flag, v)
	}
	return n
}

func readPodShape(t *testing.T) podShape {
	t.Helper()
	m := readManifests(t)
	spec := m.deployments[0].Spec.Template.Spec
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(spec.Containers))
	}
	c := spec.Containers[0]
	s := podShape{container: c, pod: spec}
	s.editRuns = int(intFlag(t, c.Args, "-edit-runs"))
	s.editMemory = intFlag(t, c.Args, "-edit-memory") << 20
	s.pythonRuns = int(intFlag(t, c.Args, "-python-runs"))
	s.pythonMemory = intFlag(t, c.Args, "-python-memory") << 20
	lim, ok := c.Resources.Limits[corev1.ResourceMemory]
	if !ok {
		t.Fatal("the container has no memory limit")
	}
	s.memoryLimit = lim.Value()
	for _, e := range c.Env {
		if e.Name == "GOMEMLIMIT" {
			q, err := resource.ParseQuantity(strings.TrimSuffix(e.Value, "B"))
			if err != nil {
				t.Fatalf("GOMEMLIMIT %q: %v", e.Value, err)
			}
			s.goMemoryLimit = q.Value()
		}
	}
	return s
}

// podMemory is the memory the pod must allow so that every child meets
// its own limit before the pod meets its: the server's share, then for
// each edited run at once its sandboxes' first process, its build, its
// program's RLIMIT_DATA and its program's /tmp (a tmpfs, whose pages the
// pod is charged for), and for each Python run a first process and the
// interpreter's RLIMIT_AS. A run builds and then runs, never both at once:
// counting both leaves a build's worth per run spare, which covers the
// cache's warm-up build at start.
func podMemory(s podShape, lim gobuild.Limits) (total int64, terms []string) {
	mib := func(n int64) string { return strconv.FormatInt(n>>20, 10) }
	edit := shimShare + buildShare + s.editMemory + lim.DiskBytes
	python := shimShare + s.pythonMemory
	total = serverShare + int64(s.editRuns)*edit + int64(s.pythonRuns)*python
	terms = []string{
		"server " + mib(serverShare),
		fmt.Sprintf("%d edited × (first process %s + build %s + program %s + /tmp %s)",
			s.editRuns, mib(shimShare), mib(buildShare), mib(s.editMemory), mib(lim.DiskBytes)),
		fmt.Sprintf("%d Python × (first process %s + interpreter %s)", s.pythonRuns, mib(shimShare), mib(s.pythonMemory)),
	}
	return total, terms
}

// TestPodMemory computes the pod's memory from the course's caps and
// checks the Deployment's limit against it: at least the sum (or an
// escaping allocation takes the whole pod down, server and all, with it),
// and within a GiB of it (a limit far above it is no longer computed).
func TestPodMemory(t *testing.T) {
	s := readPodShape(t)
	lim := gobuild.DefaultLimits()
	need, terms := podMemory(s, lim)
	t.Logf("pod memory: %s = %d MiB; limit %d MiB", strings.Join(terms, " + "), need>>20, s.memoryLimit>>20)
	if s.memoryLimit < need {
		t.Errorf("limits.memory %d MiB is below the %d MiB the course's caps add up to (%s)",
			s.memoryLimit>>20, need>>20, strings.Join(terms, " + "))
	}
	if s.memoryLimit >= need+1<<30 {
		t.Errorf("limits.memory %d MiB is more than a GiB above the %d MiB the caps add up to: recompute it", s.memoryLimit>>20, need>>20)
	}
	// The server's heap lives in its own share; the children are other
	// processes, outside Go's heap and GOMEMLIMIT.
	if s.goMemoryLimit == 0 || s.goMemoryLimit > serverShare {
		t.Errorf("GOMEMLIMIT %d MiB: want one, within the server's %d MiB share", s.goMemoryLimit>>20, serverShare>>20)
	}
	// The caps the arithmetic assumes are the course's: a program's /tmp
	// and a build's processes as gobuild limits them.
	if lim.DiskBytes > 64<<20 || lim.BuildMemory > 4<<30 {
		t.Errorf("gobuild's limits changed (program /tmp %d MiB, build processes %d MiB each): revisit the shares here and in README.md",
			lim.DiskBytes>>20, lim.BuildMemory>>20)
	}
	if req := s.container.Resources.Requests[corev1.ResourceMemory]; req.Value() < serverShare {
		t.Errorf("requests.memory %s: want at least the server's own %d MiB", req.String(), serverShare>>20)
	}
}

// TestPodDisk checks the course's temp folder: on disk, not in memory
// (where it would count against limits.memory), large enough for the
// build cache at its bound plus each edited run's folder, and within the
// container's ephemeral-storage limit.
func TestPodDisk(t *testing.T) {
	s := readPodShape(t)
	lim := gobuild.DefaultLimits()
	var tmp *corev1.Volume
	for _, vm := range s.container.VolumeMounts {
		if vm.MountPath != "/tmp" {
			continue
		}
		for i, v := range s.pod.Volumes {
			if v.Name == vm.Name {
				tmp = &s.pod.Volumes[i]
			}
		}
	}
	if tmp == nil || tmp.EmptyDir == nil || tmp.EmptyDir.SizeLimit == nil {
		t.Fatal("/tmp: want an emptyDir with a sizeLimit (the read-only root has no other writable folder)")
	}
	if tmp.EmptyDir.Medium == corev1.StorageMediumMemory {
		t.Error("/tmp is in memory: the build cache would count against limits.memory")
	}
	need := lim.CacheBytes + cacheOvershoot + int64(s.editRuns)*runFolder + tempRest
	size := tmp.EmptyDir.SizeLimit.Value()
	t.Logf("/tmp: cache %d MiB + overshoot %d MiB + %d runs × %d MiB + %d MiB = %d MiB; sizeLimit %d MiB",
		lim.CacheBytes>>20, cacheOvershoot>>20, s.editRuns, runFolder>>20, tempRest>>20, need>>20, size>>20)
	if size < need {
		t.Errorf("/tmp sizeLimit %d MiB, want at least %d MiB: past it the kubelet evicts the pod", size>>20, need>>20)
	}
	eph, ok := s.container.Resources.Limits[corev1.ResourceEphemeralStorage]
	if !ok || eph.Value() < size {
		t.Errorf("ephemeral-storage limit %s: want one, at least /tmp's sizeLimit", eph.String())
	}
}

// TestPodSandbox checks that the pod gives the course's sandbox what it
// needs — a user namespace of its own to nest sandboxes in, an unmasked
// /proc, a seccomp profile that lets namespaces and mounts be made, no
// AppArmor profile that denies mount — and nothing more: no capability,
// no privilege escalation, no root.
func TestPodSandbox(t *testing.T) {
	s := readPodShape(t)
	m := readManifests(t)
	pod, c := s.pod, s.container
	if pod.HostUsers == nil || *pod.HostUsers {
		t.Error("hostUsers: want false — the pod in a user namespace of its own, its sandboxes nested inside")
	}
	csc, psc := c.SecurityContext, pod.SecurityContext
	if csc == nil || psc == nil {
		t.Fatal("want security contexts on the pod and its container")
	}
	if csc.ProcMount == nil || *csc.ProcMount != corev1.UnmaskedProcMount {
		t.Error("procMount: want Unmasked — the build's sandbox mounts a /proc of its own, which the kernel refuses under a masked one")
	}
	if csc.Privileged != nil && *csc.Privileged {
		t.Error("privileged: the sandbox needs no privilege")
	}
	if csc.Capabilities == nil || !slices.Equal(csc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(csc.Capabilities.Add) > 0 {
		t.Errorf("capabilities %+v: want all dropped, none added", csc.Capabilities)
	}
	if csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation: want false (no_new_privs, as every sandbox sets anyway)")
	}
	if psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Error("runAsNonRoot: want true")
	}

	// Seccomp: the container's profile is the pod's unless it sets one.
	sp := psc.SeccompProfile
	if csc.SeccompProfile != nil {
		sp = csc.SeccompProfile
	}
	if sp == nil || sp.Type != corev1.SeccompProfileTypeLocalhost || sp.LocalhostProfile == nil {
		t.Fatalf("seccompProfile %+v: want Localhost — RuntimeDefault refuses namespaces and mounts to a container without CAP_SYS_ADMIN", sp)
	}
	if _, err := os.Stat(filepath.Join("seccomp", *sp.LocalhostProfile)); err != nil {
		t.Errorf("localhostProfile %s is not deploy/seccomp/%[1]s, the profile TestSeccompProfile checks: %v", *sp.LocalhostProfile, err)
	}
	ap := psc.AppArmorProfile
	if csc.AppArmorProfile != nil {
		ap = csc.AppArmorProfile
	}
	if ap == nil || ap.Type == corev1.AppArmorProfileTypeRuntimeDefault {
		t.Errorf("appArmorProfile %+v: the runtimes' default AppArmor profile denies mount; want Unconfined or a Localhost profile that allows it", ap)
	}

	// An optional runtime: the pod may name one that is defined.
	for _, rc := range m.runtimes {
		if rc.Handler == "" {
			t.Errorf("RuntimeClass %s has no handler", rc.Name)
		}
	}
	if name := pod.RuntimeClassName; name != nil && !slices.ContainsFunc(m.runtimes, func(rc *nodev1.RuntimeClass) bool { return rc.Name == *name }) {
		t.Errorf("runtimeClassName %s is none of deploy/k8s's RuntimeClasses", *name)
	}
}

// TestNetworkPolicy checks that nothing leaves a course pod and that only
// named peers reach it, each on a port the container has.
func TestNetworkPolicy(t *testing.T) {
	m := readManifests(t)
	np := m.netpols[0]
	pod := m.deployments[0].Spec.Template
	if len(np.Spec.PodSelector.MatchExpressions) > 0 || !selects(np.Spec.PodSelector.MatchLabels, pod.Labels) {
		t.Errorf("NetworkPolicy selects %v, not the course's pods %v", np.Spec.PodSelector, pod.Labels)
	}
	if !slices.Contains(np.Spec.PolicyTypes, "Egress") || len(np.Spec.Egress) > 0 {
		t.Errorf("policyTypes %v with %d egress rules: want Egress with none, so that nothing leaves the pod", np.Spec.PolicyTypes, len(np.Spec.Egress))
	}
	if !slices.Contains(np.Spec.PolicyTypes, "Ingress") {
		t.Errorf("policyTypes %v: want Ingress too", np.Spec.PolicyTypes)
	}
	ports := map[string]int32{}
	for _, p := range pod.Spec.Containers[0].Ports {
		ports[p.Name] = p.ContainerPort
	}
	reachable := map[string]bool{} // port name → some rule lets a peer reach it
	for i, rule := range np.Spec.Ingress {
		if len(rule.From) == 0 || len(rule.Ports) == 0 {
			t.Errorf("ingress rule %d: want named peers and ports, not everyone or every port", i)
		}
		for _, peer := range rule.From {
			if peer.IPBlock != nil || (peer.NamespaceSelector == nil && peer.PodSelector == nil) ||
				(peer.NamespaceSelector != nil && len(peer.NamespaceSelector.MatchLabels)+len(peer.NamespaceSelector.MatchExpressions) == 0) {
				t.Errorf("ingress rule %d: peer %+v: want a namespace named by its labels", i, peer)
			}
		}
		for _, p := range rule.Ports {
			if p.Port == nil || p.Port.Type != intstr.String || ports[p.Port.StrVal] == 0 {
				t.Errorf("ingress rule %d: port %v is not one of the container's named ports %v", i, p.Port, ports)
				continue
			}
			reachable[p.Port.StrVal] = true
		}
	}
	if !reachable["http"] {
		t.Error("no ingress rule lets the ingress controller reach the course's http port")
	}
}

// seccompProfile is the file format of a Localhost seccomp profile that
// containerd and CRI-O read (the runtime spec's LinuxSeccomp), the part of
// it this profile uses.
type seccompProfile struct {
	DefaultAction   string   `json:"defaultAction"`
	DefaultErrnoRet *uint    `json:"defaultErrnoRet,omitempty"`
	Architectures   []string `json:"architectures"`
	Syscalls        []struct {
		Names  []string `json:"names"`
		Action string   `json:"action"`
	} `json:"syscalls"`
}

// shimCalls are what a sandbox's first process and the server starting it
// call beyond what the sandboxed program may (runner/sandbox): making the
// namespaces, building the child's root and fencing it.
var shimCalls = []string{
	"clone", "clone3", "mount", "umount2", "pivot_root", "sethostname", "capset", "prctl",
	"seccomp", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
	"setuid", "setgid", "setrlimit", "ioctl", "socket", "statfs", "execve",
}

// refusedCalls are what neither the server nor anything it starts needs,
// and what an escape would reach for first.
var refusedCalls = []string{
	"ptrace", "process_vm_readv", "process_vm_writev", "bpf", "perf_event_open", "keyctl",
	"add_key", "request_key", "userfaultfd", "io_uring_setup", "io_uring_enter",
	"io_uring_register", "setns", "unshare", "kexec_load", "kexec_file_load", "init_module",
	"finit_module", "delete_module", "reboot", "swapon", "swapoff", "acct", "settimeofday",
	"clock_settime", "clock_adjtime", "adjtimex", "mknod", "mknodat", "open_by_handle_at",
	"name_to_handle_at", "fanotify_init", "quotactl", "iopl", "ioperm", "syslog", "vhangup",
	"fsopen", "fsmount", "fsconfig", "move_mount", "open_tree", "mount_setattr", "chroot",
	"pidfd_getfd", "kcmp", "lookup_dcookie",
}

// sandboxAllowed reads the sandbox's own allow-list — the calls a
// sandboxed program (Go's runtime, CPython, the toolchain) may make — from
// runner/sandbox's source: a call the container's profile refused would
// fail there whatever the sandbox allows.
func sandboxAllowed(t *testing.T) []string {
	t.Helper()
	path := filepath.Join(repoRoot, "runner", "sandbox", "seccomp_linux.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "allowed" || len(vs.Values) != 1 {
			return true
		}
		lit, ok := vs.Values[0].(*ast.CompositeLit)
		if !ok {
			return true
		}
		for _, e := range lit.Elts {
			if bl, ok := e.(*ast.BasicLit); ok && bl.Kind == token.STRING {
				if s, err := strconv.Unquote(bl.Value); err == nil {
					names = append(names, s)
				}
			}
		}
		return false
	})
	if len(names) < 50 {
		t.Fatalf("%s: found %d names in var allowed; has the list moved?", path, len(names))
	}
	return names
}

// TestSeccompProfile checks deploy/seccomp/walkthrough.json: one plain
// allow-list over an EPERM default, holding every call the sandbox lets a
// program make and every call its first process needs, and none of the
// calls nothing here needs.
func TestSeccompProfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("seccomp", "walkthrough.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p seccompProfile
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("walkthrough.json: %v", err)
	}
	if p.DefaultAction != "SCMP_ACT_ERRNO" {
		t.Errorf("defaultAction %s: want SCMP_ACT_ERRNO, an allow-list", p.DefaultAction)
	}
	for _, a := range p.Architectures {
		if a != "SCMP_ARCH_X86_64" && a != "SCMP_ARCH_AARCH64" {
			t.Errorf("architecture %s: the course runs on amd64 and arm64 only; another ABI gets nothing", a)
		}
	}
	allowed := map[string]bool{}
	for _, r := range p.Syscalls {
		if r.Action != "SCMP_ACT_ALLOW" {
			t.Errorf("a rule with action %s: want allow rules only", r.Action)
		}
		for _, n := range r.Names {
			if allowed[n] {
				t.Errorf("%s is listed twice", n)
			}
			allowed[n] = true
		}
	}
	for _, n := range append(sandboxAllowed(t), shimCalls...) {
		if !allowed[n] {
			t.Errorf("%s is refused by the pod's profile but needed by the sandbox (runner/sandbox)", n)
		}
	}
	for _, n := range refusedCalls {
		if allowed[n] {
			t.Errorf("%s is allowed: nothing in the course needs it", n)
		}
	}
}

// checkResult is what testdata/sandboxcheck prints.
type checkResult struct {
	Probe    bool     `json:"probe"`
	Detail   string   `json:"detail"`
	Program  string   `json:"program"`
	WithProc string   `json:"with_proc"`
	Unknown  []string `json:"unknown"`
}

// buildSandboxCheck builds testdata/sandboxcheck as a command of the
// course's module (an overlay adds it there for the build alone), into dir.
func buildSandboxCheck(t *testing.T, dir string) string {
	t.Helper()
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	src, err := filepath.Abs(filepath.Join("testdata", "sandboxcheck", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	overlay, err := json.Marshal(map[string]map[string]string{
		"Replace": {filepath.Join(root, "cmd", "deploy-sandboxcheck", "main.go"): src}})
	if err != nil {
		t.Fatal(err)
	}
	overlayPath := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayPath, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "sandboxcheck")
	cmd := exec.Command("go", "build", "-overlay", overlayPath, "-o", bin, "./cmd/deploy-sandboxcheck")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build sandboxcheck: %v\n%s", err, out)
	}
	return bin
}

// TestSandboxUnderPodProfile sets the course's real sandbox up the way the
// pod does — as the pod's unprivileged user, under deploy/seccomp's
// profile — and checks that it works there, and that it would not under
// what the Deployment avoids: the runtimes' default profile (here: the
// pod's less the calls RuntimeDefault gives only to CAP_SYS_ADMIN) and, as
// root can show, a /proc masked as runtimes mask it by default.
func TestSandboxUnderPodProfile(t *testing.T) {
	dir, err := os.MkdirTemp("", "deploy-sandboxcheck-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// The pod's user must reach the binary and write its temp files here.
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	bin := buildSandboxCheck(t, dir)
	profile, err := filepath.Abs(filepath.Join("seccomp", "walkthrough.json"))
	if err != nil {
		t.Fatal(err)
	}
	asPod := []string{}
	root := os.Geteuid() == 0
	if root {
		asPod = []string{"-uid", "65532"} // the Deployment's runAsUser
	}
	run := func(t *testing.T, ownMounts bool, args ...string) checkResult {
		t.Helper()
		cmd := exec.Command(bin, append(slices.Clone(asPod), args...)...)
		cmd.Env = append(os.Environ(), "TMPDIR="+dir)
		if ownMounts {
			cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
		}
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("sandboxcheck %q: %v\n%s%s", args, err, out, stderr)
		}
		var r checkResult
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("sandboxcheck %q: %q: %v", args, out, err)
		}
		t.Logf("%q: %+v", args, r)
		return r
	}

	if r := run(t, false); !r.Probe || r.Program != "ok" || r.WithProc != "ok" {
		testenv.Missing(t, "this machine sets up no sandbox (%s; CI must allow user namespaces): nothing to compare the pod's profile with", r.Detail)
	}
	t.Run("pod profile", func(t *testing.T) {
		r := run(t, false, "-seccomp", profile)
		if !r.Probe || r.Program != "ok" || r.WithProc != "ok" {
			t.Errorf("under deploy/seccomp/walkthrough.json: probe %v (%s), program %s, with /proc %s: want all ok",
				r.Probe, r.Detail, r.Program, r.WithProc)
		}
	})
	t.Run("without CAP_SYS_ADMIN's calls", func(t *testing.T) {
		data, err := os.ReadFile(profile)
		if err != nil {
			t.Fatal(err)
		}
		var p map[string]any
		if err := json.Unmarshal(data, &p); err != nil {
			t.Fatal(err)
		}
		adminOnly := []string{"mount", "umount2", "sethostname", "pivot_root"}
		for _, rule := range p["syscalls"].([]any) {
			r := rule.(map[string]any)
			r["names"] = slices.DeleteFunc(r["names"].([]any), func(n any) bool { return slices.Contains(adminOnly, n.(string)) })
		}
		less, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		lessPath := filepath.Join(dir, "runtime-default-like.json")
		if err := os.WriteFile(lessPath, less, 0o644); err != nil {
			t.Fatal(err)
		}
		if r := run(t, false, "-seccomp", lessPath); r.Probe {
			t.Errorf("without %v the sandbox still set up: then RuntimeDefault would do, and the Localhost profile is not needed", adminOnly)
		}
	})
	t.Run("masked /proc", func(t *testing.T) {
		if !root {
			t.Skip("masking /proc as a runtime does takes root")
		}
		// The probe mounts a /proc of its own, as every build does: under
		// a masked /proc the course fails closed at start, with a reason,
		// instead of at a learner's first build.
		r := run(t, true, "-mask-proc", "-seccomp", profile)
		if r.Probe || !strings.Contains(r.Detail, "proc") {
			t.Errorf("masked /proc: probe %v (%s): want it to fail, naming /proc", r.Probe, r.Detail)
		}
		if r.WithProc == "ok" {
			t.Error("masked /proc: a sandbox with a /proc of its own set up: then procMount: Unmasked is not needed")
		}
	})
}
