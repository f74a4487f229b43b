package socket

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// countingConn counts the writes that reach the connection.
type countingConn struct {
	net.Conn
	writes int
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes++
	return c.Conn.Write(p)
}

// Held writes reach the connection as one write, in order; a write too
// large to hold sends what is held first; unheld writes pass straight on;
// a peer that does not read fails the held write at its deadline.
func TestBatchConn(t *testing.T) {
	near, far := net.Pipe()
	defer near.Close()
	defer far.Close()
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(far)
		got <- b
	}()
	counted := &countingConn{Conn: near}
	b := &batchConn{Conn: counted}
	b.hold()
	for _, s := range []string{"one ", "two ", "three "} {
		if _, err := b.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if counted.writes != 0 {
		t.Fatalf("%d writes while held", counted.writes)
	}
	if err := b.release(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if counted.writes != 1 {
		t.Errorf("%d writes for three held frames, want 1", counted.writes)
	}
	b.hold()
	b.Write([]byte("four "))
	big := strings.Repeat("x", maxBatch)
	b.Write([]byte(big)) // too large to hold: "four " goes first
	b.release(time.Now().Add(5 * time.Second))
	b.Write([]byte(" five"))
	near.Close()
	want := "one two three four " + big + " five"
	if s := <-got; string(s) != want {
		t.Errorf("the peer read %d bytes, want %d in order", len(s), len(want))
	}
	if counted.writes != 4 {
		t.Errorf("%d writes in all, want 4", counted.writes)
	}

	// A peer that never reads: the held bytes cannot go, and the write
	// gives up at the deadline.
	near2, far2 := net.Pipe()
	defer near2.Close()
	defer far2.Close()
	b2 := &batchConn{Conn: near2}
	b2.hold()
	b2.Write(bytes.Repeat([]byte("y"), 100))
	if err := b2.release(time.Now().Add(20 * time.Millisecond)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("release to a peer that does not read: %v, want the deadline", err)
	}
}
