package main

import (
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
)

// Lines in the kernel's format (proc(5)); inode is field 10.
const procTCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 637 1 0000000079342db2 100 0 0 10 0
   1: 0100007F:B27B 0100007F:BA84 01 00000000:00015FE5 00:00000000 00000000     0        0 375831 1 0000000033fb37e6 20 4 0 10 -1
   2: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000079342db2 100 0 0 10 0
   3: 0101A8C0:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1 0000000079342db2 100 0 0 10 0
`

const procTCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5151 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000000000000:1F92 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5252 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F93 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5353 1 0000000000000000 100 0 0 10 0
`

func TestParseProcNetTCP(t *testing.T) {
	ls, err := parseProcNetTCP([]byte(procTCP))
	if err != nil {
		t.Fatal(err)
	}
	want := []listener{
		{netip.MustParseAddrPort("0.0.0.0:2024"), 637},
		{netip.MustParseAddrPort("127.0.0.1:8080"), 4242},
		{netip.MustParseAddrPort("192.168.1.1:80"), 99},
	}
	if len(ls) != len(want) {
		t.Fatalf("got %v, want %v (the established socket must be left out)", ls, want)
	}
	for i := range want {
		if ls[i] != want[i] {
			t.Errorf("%d: got %v, want %v", i, ls[i], want[i])
		}
	}
	ls6, err := parseProcNetTCP([]byte(procTCP6))
	if err != nil {
		t.Fatal(err)
	}
	want6 := []string{"[::1]:8081", "[::]:8082", "[::ffff:127.0.0.1]:8083"}
	for i, w := range want6 {
		if i >= len(ls6) || ls6[i].addr.String() != w {
			t.Errorf("tcp6 %d: got %v, want %s", i, ls6, w)
		}
	}
}

func TestParseProcNetTCPErrors(t *testing.T) {
	for _, line := range []string{
		"   0: 0100007F1F90 00000000:0000 0A 0 0 0 0 0 7 1",      // no colon
		"   0: 0100ZZ7F:1F90 00000000:0000 0A 0 0 0 0 0 7 1",     // bad hex
		"   0: 01007F:1F90 00000000:0000 0A 0 0 0 0 0 7 1",       // 3-byte address
		"   0: 0100007F:1F90 00000000:0000 0A 0 0 0 0 0 seven 1", // bad inode
		"   0: 0100007F:XYZ 00000000:0000 0A 0 0 0 0 0 7 1",      // bad port
	} {
		if _, err := parseProcNetTCP([]byte("header\n" + line + "\n")); err == nil {
			t.Errorf("accepted %q", line)
		}
	}
}

func TestLoopbackOnly(t *testing.T) {
	mk := func(s ...string) []listener {
		var ls []listener
		for _, a := range s {
			ls = append(ls, listener{addr: netip.MustParseAddrPort(a)})
		}
		return ls
	}
	for _, tc := range []struct {
		ls  []listener
		bad string // "" = accepted
	}{
		{mk("127.0.0.1:4567"), ""},
		{mk("127.0.0.1:4567", "[::1]:4568", "[::ffff:127.0.0.1]:4569"), ""},
		{mk("127.0.0.1:4567", "0.0.0.0:4568"), "0.0.0.0:4568"},
		{mk("[::]:4567"), "[::]:4567"},
		{mk("10.0.0.5:80"), "10.0.0.5:80"},
		{mk("[::ffff:10.0.0.5]:80"), "10.0.0.5"},
	} {
		err := loopbackOnly(tc.ls)
		if tc.bad == "" && err != nil {
			t.Errorf("%v: %v", tc.ls, err)
		}
		if tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad)) {
			t.Errorf("%v: err %v, want it to name %s", tc.ls, err, tc.bad)
		}
	}
}

// TestCheckLoopbackSelf checks the /proc walk against a real listener of
// this process, on loopback.
func TestCheckLoopbackSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/net/tcp"); err != nil {
		t.Skip("no /proc/self/net/tcp")
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ls, err := checkLoopback(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	port := uint16(l.Addr().(*net.TCPAddr).Port)
	found := false
	for _, x := range ls {
		found = found || x.addr.Port() == port
	}
	if !found {
		t.Errorf("listener on port %d not found in %v", port, ls)
	}
}
