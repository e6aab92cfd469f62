// loopback.cjs is preloaded into the peers (`node --require loopback.cjs
// ...`) by bench/peers: neither kinesalite's CLI nor kinesis-mock has a
// bind-address setting (kinesis-mock binds 0.0.0.0 unconditionally), and
// the benchmark must listen on 127.0.0.1 only. It rewrites every TCP
// net.Server#listen (http, https and tls servers inherit it) to host
// 127.0.0.1. The harness still checks the process's listening sockets in
// /proc and stops a peer that listens anywhere else.
'use strict';
const net = require('net');
const HOST = '127.0.0.1';
const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function (...args) {
  const cb = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;
  let opts;
  const first = args[0];
  if (first !== null && typeof first === 'object') {
    if (first.path !== undefined || first.fd !== undefined || first.handle !== undefined || first._handle !== undefined) {
      // A Unix socket or an inherited handle: not a TCP address.
      return listen.apply(this, cb ? [...args, cb] : args);
    }
    opts = Object.assign({}, first, { host: HOST });
  } else if (typeof first === 'string' && !/^\d+$/.test(first)) {
    return listen.apply(this, cb ? [...args, cb] : args); // a pipe path
  } else {
    // listen([port[, host[, backlog]]]): drop the host, keep the backlog.
    opts = { port: first === undefined ? 0 : Number(first), host: HOST };
    const rest = args.slice(1).filter((a) => typeof a !== 'string');
    if (typeof rest[0] === 'number') opts.backlog = rest[0];
  }
  process.stderr.write(`loopback.cjs: listen on ${HOST}:${opts.port}\n`);
  return cb ? listen.call(this, opts, cb) : listen.call(this, opts);
};
