package rawconn

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// wgetHeaders 先在本机起几个小小的网站主机（见 tinyhost.go），再通过原始
// TCP 同时和它们说话：连上，手写一个 HTTP 请求，响应头的每一行一到就打印。
// 每个主机按自己的节奏发行，所以各家的行会交错出现。
func wgetHeaders(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	delays := p.Durations("delays") // 1 到 maxHosts 个值，runner 已检查过
	hosts, err := startHosts(ctx, delays)
	if err != nil {
		return err
	}
	defer hosts.Close() // 关掉监听器，并等它们的 goroutine 全部结束

	start := time.Now()
	took := make([]time.Duration, len(hosts.hosts))
	errs := make([]error, len(hosts.hosts))
	var wg sync.WaitGroup
	for i, h := range hosts.hosts {
		// 每个主机一个 goroutine，就像 asyncio 里每个 wget(host) 一个协程：
		// 各自在自己的套接字上等，谁也不挡谁。
		wg.Go(func() {
			took[i], errs[i] = wget(ctx, h, start, out, ev)
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}

	var sum time.Duration
	parts := make([]string, len(took))
	for i, d := range took {
		sum += d
		parts[i] = seconds(d)
	}
	fmt.Fprintf(out, "%d hosts read at once in %s; one after another: %s = %s\n",
		len(took), seconds(time.Since(start)), strings.Join(parts, " + "), seconds(sum))
	return nil
}

// wget 取回一个主机的响应头，并报告用了多久。
func wget(ctx context.Context, h tinyHost, start time.Time, out io.Writer, ev runner.Events) (took time.Duration, err error) {
	say := func(format string, args ...any) {
		at := time.Since(start).Seconds()
		fmt.Fprintf(out, "[%.2fs] %-12s %s\n", at, h.name, fmt.Sprintf(format, args...))
	}
	began := time.Now()
	ev.Start(h.name)
	defer func() {
		switch {
		case ctx.Err() != nil:
			err = ctx.Err()
			ev.End(h.name, "stopped")
		case err != nil:
			ev.End(h.name, "error")
		default:
			ev.End(h.name, "ok")
		}
	}()

	// Dial 就是 asyncio.open_connection：一条 TCP 连接，仅此而已。地址
	// 已经知道，所以不用查 DNS。
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", h.addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	// Read 不接收 ctx。要打断一个正在等下一行的 Read，就在本次运行被
	// 停止时关掉连接。
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	say("* connected to %s", conn.RemoteAddr())

	// 完整的 HTTP/1.0 请求，手写：请求行、一个头部、一个空行。按协议
	// 规定，每行都以 \r\n 结尾。
	request := "GET / HTTP/1.0\r\nHost: " + h.name + "\r\n\r\n"
	if _, err := io.WriteString(conn, request); err != nil {
		return 0, err
	}
	say("> %q", request)

	// bufio.Reader 就是 StreamReader，ReadString('\n') 就是 readline()。
	// 它一直等到整行到齐；这期间别的主机的 goroutine 照常运行。
	r := bufio.NewReader(conn)
	lines := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return 0, fmt.Errorf("%s: %w", h.name, err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break // 空行：响应头到此结束
		}
		lines++
		say("< %s", line)
		ev.Point(h.name, "header")
	}
	took = time.Since(began)
	say("* %d header lines in %s; body ignored, connection closed", lines, seconds(took))
	return took, nil
}

// seconds 按控制台的格式写出一段时长：1.23s。
func seconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }
