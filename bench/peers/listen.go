package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// listener is one listening TCP socket of a process.
type listener struct {
	addr  netip.AddrPort
	inode uint64
}

// tcpListen is the "st" value of a listening socket in /proc/net/tcp.
const tcpListen = "0A"

// parseProcNetTCP returns the listening sockets of a /proc/net/tcp or
// /proc/net/tcp6 table. Addresses are hex in the kernel's byte order:
// each 32-bit word of the address is in host (little-endian on every
// machine this runs on) order, the port is big-endian hex.
func parseProcNetTCP(table []byte) ([]listener, error) {
	var out []listener
	sc := bufio.NewScanner(bytes.NewReader(table))
	first := true
	for sc.Scan() {
		if first { // header: "sl local_address rem_address st ..."
			first = false
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) < 10 {
			continue
		}
		if f[3] != tcpListen {
			continue
		}
		addr, err := parseHexAddrPort(f[1])
		if err != nil {
			return nil, fmt.Errorf("local address %q: %w", f[1], err)
		}
		inode, err := strconv.ParseUint(f[9], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("inode %q: %w", f[9], err)
		}
		out = append(out, listener{addr: addr, inode: inode})
	}
	return out, sc.Err()
}

// parseHexAddrPort decodes "0100007F:1F90" (127.0.0.1:8080) or its
// 32-hex-digit IPv6 form.
func parseHexAddrPort(s string) (netip.AddrPort, error) {
	h, p, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("no ':'")
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("port: %w", err)
	}
	raw, err := hex.DecodeString(h)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, fmt.Errorf("address of %d bytes", len(raw))
	}
	// Reverse each 32-bit word (little-endian host order).
	for i := 0; i < len(raw); i += 4 {
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	addr, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(addr, uint16(port)), nil
}

// loopbackOnly reports an error naming every listener whose address is
// not a loopback address (127.0.0.0/8, ::1, ::ffff:127.x). An unspecified
// address (0.0.0.0, ::) is not loopback: it accepts from every interface.
func loopbackOnly(ls []listener) error {
	var bad []string
	for _, l := range ls {
		if !l.addr.Addr().Unmap().IsLoopback() {
			bad = append(bad, l.addr.String())
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("listens on %s, not only on 127.0.0.1", strings.Join(bad, ", "))
	}
	return nil
}

// socketInodes returns the inodes of the sockets process pid has open,
// from the "socket:[N]" targets of /proc/<pid>/fd/*.
func socketInodes(pid int) (map[uint64]bool, error) {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	inodes := map[uint64]bool{}
	for _, e := range ents {
		t, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		if n, ok := strings.CutPrefix(t, "socket:["); ok {
			if v, err := strconv.ParseUint(strings.TrimSuffix(n, "]"), 10, 64); err == nil {
				inodes[v] = true
			}
		}
	}
	return inodes, nil
}

// processListeners returns the TCP sockets process pid listens on.
func processListeners(pid int) ([]listener, error) {
	inodes, err := socketInodes(pid)
	if err != nil {
		return nil, err
	}
	var out []listener
	for _, t := range []string{"tcp", "tcp6"} {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "net", t))
		if err != nil {
			if os.IsNotExist(err) {
				continue // no IPv6 in this kernel
			}
			return nil, err
		}
		ls, err := parseProcNetTCP(b)
		if err != nil {
			return nil, fmt.Errorf("/proc/%d/net/%s: %w", pid, t, err)
		}
		for _, l := range ls {
			if inodes[l.inode] {
				out = append(out, l)
			}
		}
	}
	return out, nil
}

// checkLoopback verifies that process pid listens on at least one TCP
// socket and on loopback addresses only.
func checkLoopback(pid int) ([]listener, error) {
	ls, err := processListeners(pid)
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 {
		return nil, fmt.Errorf("no listening TCP socket")
	}
	return ls, loopbackOnly(ls)
}
