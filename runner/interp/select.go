package interp

import "reflect"

// loweredPath is the package the helper file imports the compiled select
// from. It is in the interpreter's table but not in Allowed, so a learner
// cannot import it.
const loweredPath = "github.com/bingfa-manyou/walkthrough/runner/interp/lowered"

// The directions of a case of selectCases.
const (
	selectRecv    = 1
	selectSend    = 2
	selectDefault = 3
)

// selectCases is a select statement for interpreted code: case i is a
// receive from, or a send of sends[i] on, chans[i], or the default case,
// as dirs[i] says. It returns the case chosen, the value received (nil
// for a send or the default) and whether it came from a send rather than
// a close. Each call has its own list of cases: see lowerer.selectStmt.
func selectCases(dirs []int, chans, sends []any) (int, any, bool) {
	cases := make([]reflect.SelectCase, len(dirs))
	for i, dir := range dirs {
		switch dir {
		case selectRecv:
			// A nil channel is the zero Value: the case is never ready.
			cases[i] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(chans[i])}
		case selectSend:
			ch := reflect.ValueOf(chans[i])
			v := reflect.ValueOf(sends[i])
			if ch.IsValid() && !v.IsValid() {
				v = reflect.Zero(ch.Type().Elem()) // nil for an interface, a pointer, a map …
			}
			cases[i] = reflect.SelectCase{Dir: reflect.SelectSend, Chan: ch, Send: v}
		default:
			cases[i] = reflect.SelectCase{Dir: reflect.SelectDefault}
		}
	}
	chosen, v, ok := reflect.Select(cases)
	if !v.IsValid() || !v.CanInterface() {
		return chosen, nil, ok
	}
	return chosen, v.Interface(), ok
}
