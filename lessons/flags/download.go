package flags

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// 两个演示共用的部分：下载一面国旗的代码，不论是一个循环来调用，还是二十个
// goroutine 各调一次，都是同一份。

// getFlag 取回 /{cc}/{cc}.gif，返回图片的字节。请求带着 ctx，所以停止运行
// 也会放弃正在路上的请求。
func getFlag(ctx context.Context, client *http.Client, baseURL, code, query string) ([]byte, error) {
	cc := strings.ToLower(code)
	url := baseURL + "/" + cc + "/" + cc + ".gif?" + query
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close() // 一定要关，否则这条连接没法复用
	if resp.StatusCode != http.StatusOK {
		return nil, httpError(resp.StatusCode)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20)) // 一面国旗只有几百字节
}

// httpError 是 200 OK 以外的应答；打印出来就是那个状态码。
type httpError int

func (e httpError) Error() string { return fmt.Sprint(int(e)) }

// status 是一次下载在时间线上的横条的结束状态。
func status(ctx context.Context, err error) string {
	switch {
	case err == nil:
		return "ok"
	case ctx.Err() != nil:
		return "stopped"
	case errors.Is(err, httpError(http.StatusNotFound)):
		return "404"
	}
	return "error"
}
