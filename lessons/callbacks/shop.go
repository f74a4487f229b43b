package callbacks

import (
	"fmt"
	"strconv"
)

// 这个文件是两个演示共用的假网店。它的回答是现成的、固定的；等待（latency
// 参数）和调用方式由各个演示自己加上。数据放在一处，两种写法就不可能算出
// 不一样的结果。

// userName 是两个演示都要为她算总价的那位顾客。
const userName = "alice"

type item struct {
	name  string
	qty   int
	price float64
}

type order struct {
	id    int
	items []item
}

// lookupUserID 是第 1 步里用户服务的回答。
func lookupUserID(name string) int { return len(name) + 2 } // "alice" -> 7

// lookupOrder 是第 2 步里订单服务的回答。
func lookupOrder(userID int) order {
	return order{id: 1017 + userID, items: []item{
		{"notebook", 2, 12.50},
		{"pen set", 1, 8.90},
		{"green tea", 3, 4.00},
	}}
}

// priceOrder 是第 3 步里计价服务的回答。
func priceOrder(o order) float64 {
	total := 0.0
	for _, it := range o.items {
		total += float64(it.qty) * it.price
	}
	return total
}

// stageError 是用 fail 参数注入的故障。
type stageError struct {
	stage   int
	service string
}

func (e *stageError) Error() string {
	return fmt.Sprintf("stage %d: the %s service is unavailable", e.stage, e.service)
}

// injected 返回第 n 步应当报告的错误；学习者选了别的步骤（或 none）时返回 nil。
func injected(failAt string, n int) error {
	if failAt != strconv.Itoa(n) {
		return nil
	}
	service := [...]string{"", "user", "order", "pricing"}[n]
	return &stageError{stage: n, service: service}
}
