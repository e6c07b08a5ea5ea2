package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// redisInfo is what INFO says about the work a Redis server has done.
type redisInfo struct {
	commands int64            // total_commands_processed
	reads    int64            // total_reads_processed: read events, ≈ round trips
	cpu      time.Duration    // used_cpu_user + used_cpu_sys
	calls    map[string]int64 // commandstats: command → calls
}

// redisConn is one connection to Redis kept for the whole run, so that
// the only traffic of ours between two readings is the INFO commands
// themselves. It speaks just enough RESP2: a client library would add
// handshake commands of its own to what is being counted.
type redisConn struct {
	conn net.Conn
	br   *bufio.Reader
}

func dialRedis(ctx context.Context, addr string) (*redisConn, error) {
	conn, err := loopbackDialer().DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &redisConn{conn: conn, br: bufio.NewReader(conn)}, nil
}

func (c *redisConn) Close() error { return c.conn.Close() }

// info sends one INFO for the stats, commandstats and cpu sections.
func (c *redisConn) info() (*redisInfo, error) {
	c.conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c.conn, "*4\r\n$4\r\nINFO\r\n$5\r\nstats\r\n$12\r\ncommandstats\r\n$3\r\ncpu\r\n"); err != nil {
		return nil, err
	}
	br := c.br
	head, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	head = strings.TrimRight(head, "\r\n")
	if strings.HasPrefix(head, "-") {
		return nil, fmt.Errorf("redis: %s", head[1:])
	}
	n, err := strconv.Atoi(strings.TrimPrefix(head, "$"))
	if !strings.HasPrefix(head, "$") || err != nil || n < 0 || n > 4<<20 {
		return nil, errors.New("redis: unexpected answer to INFO")
	}
	body := make([]byte, n+2)
	if _, err := io.ReadFull(br, body); err != nil {
		return nil, err
	}
	return parseRedisInfo(string(body[:n]))
}

func parseRedisInfo(s string) (*redisInfo, error) {
	ri := &redisInfo{calls: map[string]int64{}}
	var user, sys float64
	seen := 0
	for line := range strings.SplitSeq(s, "\n") {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\r"), ":")
		if !ok {
			continue
		}
		switch {
		case k == "total_commands_processed":
			ri.commands, _ = strconv.ParseInt(v, 10, 64)
			seen++
		case k == "total_reads_processed":
			ri.reads, _ = strconv.ParseInt(v, 10, 64)
		case k == "used_cpu_user":
			user, _ = strconv.ParseFloat(v, 64)
		case k == "used_cpu_sys":
			sys, _ = strconv.ParseFloat(v, 64)
		case strings.HasPrefix(k, "cmdstat_"):
			// cmdstat_get:calls=10,usec=…
			for f := range strings.SplitSeq(v, ",") {
				if c, ok := strings.CutPrefix(f, "calls="); ok {
					n, _ := strconv.ParseInt(c, 10, 64)
					ri.calls[strings.TrimPrefix(k, "cmdstat_")] = n
				}
			}
		}
	}
	if seen == 0 {
		return nil, errors.New("redis: INFO without total_commands_processed")
	}
	ri.cpu = time.Duration((user + sys) * float64(time.Second))
	return ri, nil
}
