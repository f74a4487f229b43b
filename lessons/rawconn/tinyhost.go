package rawconn

import (
	"bufio"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxHosts 是一次运行最多能起几个假网站。
const maxHosts = 5

// hostName 给第 i 个假网站起名。.test 域名正是为此保留的：这些名字永远
// 不会指向真实的主机。
func hostName(i int) string {
	return [maxHosts]string{"alpha.test", "bravo.test", "charlie.test", "delta.test", "echo.test"}[i]
}

// tinyHost 是一个假网站：在本机回环端口上监听的 TCP 服务，对任何请求都
// 回几行响应头，每隔 delay 一行。它代替笔记里连接的那些真实网站，这样演示
// 不需要外网，每个主机有多慢也成了一个可调的参数。
type tinyHost struct {
	name  string
	addr  string // 监听地址，例如 127.0.0.1:40123
	delay time.Duration
}

// hostSet 管着所有监听器，以及为它们服务的每一个 goroutine。
type hostSet struct {
	hosts []tinyHost
	lns   []net.Listener
	stop  context.CancelFunc
	wg    sync.WaitGroup
}

// startHosts 为每个 delay 开一个监听器，在后台服务，直到 Close。
func startHosts(ctx context.Context, delays []time.Duration) (*hostSet, error) {
	ctx, cancel := context.WithCancel(ctx)
	s := &hostSet{stop: cancel}
	for i, d := range delays {
		ln, err := net.Listen("tcp", "127.0.0.1:0") // 端口 0：任选一个空闲端口
		if err != nil {
			s.Close()
			return nil, err
		}
		h := tinyHost{name: hostName(i), addr: ln.Addr().String(), delay: d}
		s.lns = append(s.lns, ln)
		s.hosts = append(s.hosts, h)
		s.wg.Go(func() { s.serve(ctx, ln, h) })
	}
	return s, nil
}

// Close 停掉所有主机：不再接受新连接，已有的连接切断；它们启动的每个
// goroutine 都结束后才返回。
func (s *hostSet) Close() {
	s.stop()
	for _, ln := range s.lns {
		ln.Close()
	}
	s.wg.Wait()
}

// serve 一直接受连接，直到监听器被关闭。
func (s *hostSet) serve(ctx context.Context, ln net.Listener, h tinyHost) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return // 监听器被 Close 关掉了
		}
		s.wg.Go(func() { answer(ctx, conn, h) })
	}
}

// answer 读一个请求，读到空行为止；然后一行一行地写响应头，每行之前先等
// h.delay，最后写一小段正文。HTTP/1.0 的做法：一条连接一个请求，答完就关。
func answer(ctx context.Context, conn net.Conn, h tinyHost) {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	asked := "?"
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Host: "); ok {
			asked = v
		}
	}

	body := "hello from " + h.name + "\n"
	lines := []string{
		"HTTP/1.0 200 OK",
		"Server: tiny/" + h.name,
		"X-Requested-Host: " + asked,
		"X-Line-Delay: " + h.delay.String(),
		"Content-Length: " + strconv.Itoa(len(body)),
		"", // 结束响应头的空行
	}
	for _, l := range lines {
		t := time.NewTimer(h.delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
		if _, err := io.WriteString(conn, l+"\r\n"); err != nil {
			return // 客户端走了，没别的可做
		}
	}
	io.WriteString(conn, body) // 客户端也许已经挂断了：没关系
}
