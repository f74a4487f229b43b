// Package stdsym holds the standard library symbols that edited code may
// use, extracted by `yaegi extract` from the Go the course is built with
// (deprecated names left out).
// It is a generated table and nothing else: package interp decides, per
// symbol, what the interpreter is given (see interp's symbols.go), so a
// package listed here is not yet a package edited code can import.
package stdsym

import "reflect"

//go:generate go run github.com/traefik/yaegi/cmd/yaegi@v0.16.1 extract -name stdsym bufio cmp context errors fmt io maps math math/rand/v2 net/http/httptrace net/url slices sort strconv sync sync/atomic time unicode unicode/utf8
//go:generate go run github.com/traefik/yaegi/cmd/yaegi@v0.16.1 extract -name stdsym -exclude ^(Read|Seed)$ math/rand
//go:generate go run github.com/traefik/yaegi/cmd/yaegi@v0.16.1 extract -name stdsym -exclude ^Title$ strings
//go:generate go run github.com/traefik/yaegi/cmd/yaegi@v0.16.1 extract -name stdsym -include ^(CanonicalHeaderKey|Client|Cookie|DetectContentType|ErrBodyReadAfterClose|ErrNoCookie|ErrUseLastResponse|Get|Head|Header|MaxBytesReader|Method[A-Za-z]*|NewRequest|NewRequestWithContext|NoBody|Post|PostForm|Request|Response|RoundTripper|StatusText|Status[A-Za-z]*)$ net/http

// Symbols maps "import/path/name" to the package's exported symbols, the
// shape yaegi's Interpreter.Use takes.
var Symbols = map[string]map[string]reflect.Value{}
