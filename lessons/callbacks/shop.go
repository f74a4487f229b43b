package callbacks

import (
	"fmt"
	"strconv"
)

// This file is the pretend shop both demos talk to. Its answers are
// instant and fixed; each demo adds the waiting (the latency parameter) and
// its own way of calling. Keeping the data here means the two styles cannot
// disagree about the result.

// userName is the customer whose order total both demos compute.
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

// lookupUserID is what the user service answers in stage 1.
func lookupUserID(name string) int { return len(name) + 2 } // "alice" -> 7

// lookupOrder is what the order service answers in stage 2.
func lookupOrder(userID int) order {
	return order{id: 1017 + userID, items: []item{
		{"notebook", 2, 12.50},
		{"pen set", 1, 8.90},
		{"green tea", 3, 4.00},
	}}
}

// priceOrder is what the pricing service answers in stage 3.
func priceOrder(o order) float64 {
	total := 0.0
	for _, it := range o.items {
		total += float64(it.qty) * it.price
	}
	return total
}

// stageError is the failure injected with the fail parameter.
type stageError struct {
	stage   int
	service string
}

func (e *stageError) Error() string {
	return fmt.Sprintf("stage %d: the %s service is unavailable", e.stage, e.service)
}

// injected returns the error stage n must report, or nil when the learner
// chose another stage (or none).
func injected(failAt string, n int) error {
	if failAt != strconv.Itoa(n) {
		return nil
	}
	service := [...]string{"", "user", "order", "pricing"}[n]
	return &stageError{stage: n, service: service}
}
