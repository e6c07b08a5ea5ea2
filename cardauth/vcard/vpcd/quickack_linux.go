package vpcd

import (
	"net"
	"syscall"
)

// QuickAck turns on TCP_QUICKACK on conn. vpcd writes each frame's length
// and body in two writes, so with delayed ACKs on our side every APDU waits
// about 40 ms for Nagle's algorithm at vpcd's end; acknowledging at once
// brings that to well under a millisecond. Linux clears the flag again after
// a while, so callers set it before every read.
func QuickAck(conn net.Conn) {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
