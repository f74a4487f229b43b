package interp

// iterSource is the package iter as the type checker sees it: the same
// declarations as the standard library's (Seq, Seq2, Pull, Pull2). yaegi
// cannot run generic function types, so the interpreter never runs this
// file: lower.go rewrites every use of iter in a learner's program into
// plain function types and helpers of one concrete type each.
const iterSource = `package iter

type Seq[V any] func(yield func(V) bool)

type Seq2[K, V any] func(yield func(K, V) bool)

func Pull[V any](seq Seq[V]) (next func() (V, bool), stop func()) {
	panic("lowered before running")
}

func Pull2[K, V any](seq Seq2[K, V]) (next func() (K, V, bool), stop func()) {
	panic("lowered before running")
}
`
