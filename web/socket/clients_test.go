package socket

import (
	"net/http"
	"testing"
)

func TestClientKey(t *testing.T) {
	proxies, err := ParsePrefixes("10.0.0.0/8, 127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, remote string
		header       map[string]string
		want         string
	}{
		{"plain peer", "203.0.113.9:5000", nil, "203.0.113.9"},
		{"headers from an untrusted peer are ignored", "203.0.113.9:5000", map[string]string{"X-Forwarded-For": "1.2.3.4"}, "203.0.113.9"},
		{"trusted proxy, X-Forwarded-For", "10.1.2.3:80", map[string]string{"X-Forwarded-For": "198.51.100.7"}, "198.51.100.7"},
		{"chain: the nearest untrusted hop counts", "127.0.0.1:80", map[string]string{"X-Forwarded-For": "6.6.6.6, 198.51.100.7, 10.9.9.9"}, "198.51.100.7"},
		{"Forwarded wins over X-Forwarded-For", "10.1.2.3:80", map[string]string{"Forwarded": `for="[2001:db8:cafe::17]:4711";proto=https`, "X-Forwarded-For": "1.1.1.1"}, "2001:db8:cafe::/64"},
		{"garbled chain: the proxy itself", "10.1.2.3:80", map[string]string{"X-Forwarded-For": "not-an-address"}, "10.1.2.3"},
		{"only proxies in the chain", "10.1.2.3:80", map[string]string{"X-Forwarded-For": "10.0.0.1"}, "10.1.2.3"},
		{"IPv6 by its /64", "[2001:db8:1:2:3:4:5:6]:9", nil, "2001:db8:1:2::/64"},
		{"IPv4 in IPv6", "[::ffff:192.0.2.1]:9", nil, "192.0.2.1"},
	}
	for _, tc := range tests {
		r, _ := http.NewRequest("GET", "/ws", nil)
		r.RemoteAddr = tc.remote
		for k, v := range tc.header {
			r.Header.Set(k, v)
		}
		if got := clientKey(r, proxies); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if _, err := ParsePrefixes("10.0.0.0/33"); err == nil {
		t.Error("a bad prefix was accepted")
	}
}
