package deploy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner/testenv"
)

// drainDelay is the replicas' -drain-delay in these tests: long enough to
// see /readyz at 503 while the replica still serves, short enough to keep
// the test quick.
const drainDelay = time.Second

// shutdownGrace is what `walkthrough serve` allows itself past the drain
// delay to stop runs and close sockets (cmd/walkthrough/serve.go).
const shutdownGrace = 5 * time.Second

// repoRoot is the course's module, the parent of this one.
const repoRoot = ".."

// freePorts finds n free loopback ports below the kernel's ephemeral
// range. The processes (nginx, the replicas) are told their ports in
// advance, and nginx must know every replica's port before any starts, so
// each port is checked free and closed again before it is used. Ports the
// kernel hands out for port 0 (a replica's flag server, every outgoing
// connection) come from the ephemeral range, so one chosen below it is not
// taken by them in the meantime — a port from listening on :0 was.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	low := 32768 // Linux's default when the range cannot be read
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if v, err := strconv.Atoi(f[0]); err == nil {
				low = v
			}
		}
	}
	const from = 10000
	if low <= from+n {
		t.Fatalf("ephemeral ports start at %d: no room below them", low)
	}
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for tries := 0; len(ports) < n; tries++ {
		if tries > 1000 {
			t.Fatalf("no %d free ports in %d-%d", n, from, low)
		}
		port := from + rand.IntN(low-from)
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		lns = append(lns, ln)
		ports = append(ports, port)
	}
	return ports
}

// process is a child process whose end the test waits for.
type process struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{} // closed when Wait has returned
	err    error         // Wait's answer, set before exited is closed
}

func startProcess(name string, cmd *exec.Cmd) (*process, error) {
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

func (p *process) signal(sig os.Signal) error {
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal %s: %w", p.name, err)
	}
	return nil
}

// wait waits for the process to exit and returns how it did, or an error
// when it is still running after limit.
func (p *process) wait(limit time.Duration) error {
	select {
	case <-p.exited:
		return p.err
	case <-time.After(limit):
		return fmt.Errorf("%s still running after %v", p.name, limit)
	}
}

// kill ends the process if it still runs, and waits for it.
func (p *process) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Kill()
	<-p.exited
}

// replica is one `walkthrough serve` behind nginx.
type replica struct {
	*process
	port int
	log  string // its JSON log lines, one file per replica process
}

func (r *replica) url() string { return "http://127.0.0.1:" + strconv.Itoa(r.port) }

// cluster is three replicas and nginx in front of them, all processes of
// their own, as in production.
type cluster struct {
	t         *testing.T
	bin, dir  string
	nginxPort int
	slots     []int      // each replica's port; a restarted replica keeps its slot's port
	replicas  []*replica // the replica serving each slot now
	started   int        // replicas started so far, to name their logs
	nginx     *process
}

func (c *cluster) nginxURL() string { return "http://127.0.0.1:" + strconv.Itoa(c.nginxPort) }

// startReplica starts slot's replica and waits until it is ready. The
// replica outlives the subtest t that starts it: the cluster's test ends
// it.
func (c *cluster) startReplica(ctx context.Context, t *testing.T, slot int) *replica {
	t.Helper()
	c.started++
	port := c.slots[slot]
	logPath := filepath.Join(c.dir, fmt.Sprintf("replica-%d-%d.log", slot, c.started))
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close() // the child has its own copy
	nginxHost := strconv.Itoa(c.nginxPort)
	cmd := exec.Command(c.bin, "serve",
		"-addr", "127.0.0.1:"+strconv.Itoa(port),
		"-log-format", "json",
		"-drain-delay", drainDelay.String(),
		"-trusted-proxies", "127.0.0.1/32",
		"-allowed-hosts", "127.0.0.1:"+nginxHost+",localhost:"+nginxHost,
	)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	p, err := startProcess(fmt.Sprintf("replica %d (:%d)", slot, port), cmd)
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{process: p, port: port, log: logPath}
	c.t.Cleanup(r.kill)
	if err := waitStatus(ctx, r.process, r.url()+"/readyz", http.StatusOK, 10*time.Second); err != nil {
		out, _ := os.ReadFile(logPath)
		t.Fatalf("%v\n%s", err, out)
	}
	c.replicas[slot] = r
	return r
}

// getStatus is the status of GET url, or an error when there is none.
func getStatus(ctx context.Context, url string) (int, error) {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// waitStatus polls url until it answers want. Nothing else tells one
// process that another is ready, so this polls, with a deadline, and
// gives up early when p has exited.
func waitStatus(ctx context.Context, p *process, url string, want int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last string
	for {
		code, err := getStatus(ctx, url)
		if err == nil && code == want {
			return nil
		}
		last = fmt.Sprint(code, err)
		if p != nil {
			select {
			case <-p.exited:
				return fmt.Errorf("%s exited (%v) before %s answered %d", p.name, p.err, url, want)
			default:
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: no %d within %v (last: %s)", url, want, limit, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// nginxBinary is Debian's nginx, or "" with the reason the test skips.
func nginxBinary(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/sbin/nginx"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	testenv.Missing(t, "nginx is not installed (apt-get install nginx); no test through a real load balancer")
	return ""
}

// The template's lines the test fills in: where nginx listens and which
// replicas it sends to.
var (
	listenLine   = regexp.MustCompile(`(?m)^(\s*)listen\s+[^;]+;`)
	upstreamLine = regexp.MustCompile(`(?m)^(\s*server\s+)127\.0\.0\.1:\d+(\s[^;]*)?;`)
	serverName   = regexp.MustCompile(`(?m)^(\s*)server_name\s+[^;]+;`)
)

// nginxSite is deploy/nginx/walkthrough.conf with the test's ports: the
// very file an operator installs, not a copy of it.
func nginxSite(template []byte, nginxPort int, replicaPorts []int) ([]byte, error) {
	if n := len(listenLine.FindAll(template, -1)); n != 1 {
		return nil, fmt.Errorf("template has %d listen lines, want 1", n)
	}
	servers := upstreamLine.FindAllIndex(template, -1)
	if len(servers) != len(replicaPorts) {
		return nil, fmt.Errorf("template's upstream has %d servers on 127.0.0.1, want %d", len(servers), len(replicaPorts))
	}
	out := listenLine.ReplaceAll(template, []byte("${1}listen 127.0.0.1:"+strconv.Itoa(nginxPort)+";"))
	out = serverName.ReplaceAll(out, []byte("${1}server_name 127.0.0.1 localhost;"))
	i := 0
	out = upstreamLine.ReplaceAllFunc(out, func(line []byte) []byte {
		m := upstreamLine.FindSubmatch(line)
		port := replicaPorts[i]
		i++
		return []byte(fmt.Sprintf("%s127.0.0.1:%d%s;", m[1], port, m[2]))
	})
	return out, nil
}

// nginxMain is the main configuration that includes the site: everything
// nginx writes lives in prefix, it stays in the foreground, with a master.
func nginxMain(prefix, site string) string {
	user := ""
	if os.Geteuid() == 0 {
		// As root, nginx runs its workers as nobody, who cannot enter the
		// test's private temp dir; a test's nginx may keep root's.
		user = "user root;\n"
	}
	tmp := func(name string) string { return filepath.Join(prefix, "tmp", name) }
	return fmt.Sprintf(`daemon off;
master_process on;
worker_processes 1;
%spid %s;
error_log %s warn;
events { worker_connections 1024; }
http {
    access_log %s;
    client_body_temp_path %s;
    proxy_temp_path %s;
    fastcgi_temp_path %s;
    uwsgi_temp_path %s;
    scgi_temp_path %s;
    include %s;
}
`, user, filepath.Join(prefix, "nginx.pid"), filepath.Join(prefix, "error.log"),
		filepath.Join(prefix, "access.log"),
		tmp("body"), tmp("proxy"), tmp("fastcgi"), tmp("uwsgi"), tmp("scgi"), site)
}

// startCluster starts three replicas and nginx in front of them.
func startCluster(ctx context.Context, t *testing.T, nginxBin, bin string) *cluster {
	t.Helper()
	dir := t.TempDir()
	ports := freePorts(t, 4)
	c := &cluster{t: t, bin: bin, dir: dir, nginxPort: ports[0], slots: ports[1:], replicas: make([]*replica, 3)}
	for slot := range c.slots {
		c.startReplica(ctx, t, slot)
	}

	template, err := os.ReadFile(filepath.Join("nginx", "walkthrough.conf"))
	if err != nil {
		t.Fatal(err)
	}
	site, err := nginxSite(template, c.nginxPort, c.slots)
	if err != nil {
		t.Fatal(err)
	}
	sitePath := filepath.Join(dir, "walkthrough.conf")
	mainPath := filepath.Join(dir, "nginx.conf")
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sitePath, site, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mainPath, []byte(nginxMain(dir, sitePath)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(nginxBin, "-t", "-p", dir+"/", "-c", mainPath).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(nginxBin, "-p", dir+"/", "-c", mainPath)
	cmd.Stderr = &stderr
	c.nginx, err = startProcess("nginx", cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// SIGTERM is nginx's fast shutdown; SIGQUIT would wait for
		// sockets to close by themselves.
		c.nginx.signal(syscall.SIGTERM)
		if err := c.nginx.wait(10 * time.Second); err != nil {
			t.Errorf("nginx: %v", err)
			c.nginx.kill()
		}
		if errs, _ := os.ReadFile(filepath.Join(dir, "error.log")); t.Failed() && len(errs) > 0 {
			t.Logf("nginx error.log:\n%s", errs)
		}
	})
	// The course's home page through nginx: the Host the test sends is
	// one the replicas were told to allow.
	if err := waitStatus(ctx, c.nginx, c.nginxURL()+"/", http.StatusOK, 10*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	return c
}

// runLine is one run as a replica logs it (-log-format json).
type runLine struct {
	Msg    string `json:"msg"`
	Demo   string `json:"demo"`
	Result string `json:"result"`
	Client string `json:"client"`
}

// runsLogged reads the runs r has logged so far.
func (r *replica) runsLogged() ([]runLine, error) {
	f, err := os.Open(r.log)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var runs []runLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte("{")) {
			continue // the URL lines on stdout
		}
		var l runLine
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, fmt.Errorf("%s: %q: %w", r.log, line, err)
		}
		if l.Msg == "run" {
			runs = append(runs, l)
		}
	}
	return runs, sc.Err()
}

// whereIs finds the slot of the replica each learner's runs were logged
// by; learners are told apart by their source addresses, which nginx
// forwards and the replicas log as the client. It polls: a replica logs a
// run after its exit frame is on its way, so the line may come a moment
// after the learner has its exit.
func (c *cluster) whereIs(ctx context.Context, learners []*learner) (map[*learner]int, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		at := map[*learner]int{}
		var errs []string
		for _, l := range learners {
			slots := []int{}
			for slot, r := range c.replicas {
				runs, err := r.runsLogged()
				if err != nil {
					return nil, err
				}
				for _, run := range runs {
					if run.Client == l.name {
						slots = append(slots, slot)
						break
					}
				}
			}
			switch len(slots) {
			case 1:
				at[l] = slots[0]
			default:
				errs = append(errs, fmt.Sprintf("%s logged by replicas %v", l.name, slots))
			}
		}
		if len(errs) == 0 {
			return at, nil
		}
		if time.Now().After(deadline) {
			return nil, errors.New(strings.Join(errs, "; "))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
