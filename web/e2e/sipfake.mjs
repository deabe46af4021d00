// A SIP registrar on a WebSocket (RFC 7118, subprotocol "sip") for the
// browser journeys: it answers REGISTER (and OPTIONS) with 200 OK and
// remembers which extensions are registered, so a journey can check that
// the agent desktop's softphone registered without a real switch. Nothing
// else of SIP is served (INVITE gets 501).
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'

export async function startRegistrar() {
  const registered = new Map() // extension -> { contact, expires, at }
  const log = []
  const server = createServer((_, res) => res.writeHead(426).end())
  server.on('upgrade', (req, sock) => {
    const key = req.headers['sec-websocket-key']
    const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64')
    sock.write(
      ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`, 'Sec-WebSocket-Protocol: sip', '', ''].join('\r\n'),
    )
    let buf = Buffer.alloc(0)
    const send = (text) => {
      const p = Buffer.from(text)
      const head = p.length < 126 ? Buffer.from([0x81, p.length]) : Buffer.from([0x81, 126, p.length >> 8, p.length & 255])
      sock.write(Buffer.concat([head, p]))
    }
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      for (;;) {
        if (buf.length < 2) return
        const op = buf[0] & 15
        let len = buf[1] & 127
        let off = 2
        if (len === 126) {
          if (buf.length < 4) return
          len = buf.readUInt16BE(2)
          off = 4
        } else if (len === 127) {
          if (buf.length < 10) return
          len = Number(buf.readBigUInt64BE(2))
          off = 10
        }
        const masked = buf[1] & 128
        const mask = masked ? buf.subarray(off, off + 4) : null
        if (masked) off += 4
        if (buf.length < off + len) return
        const payload = Buffer.from(buf.subarray(off, off + len))
        buf = buf.subarray(off + len)
        if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4]
        if (op === 8) return void sock.end()
        if (op === 9) continue // ping: ignored
        if (op === 1) answer(payload.toString('utf8'))
      }
    })
    sock.on('error', () => undefined)
    function answer(msg) {
      const [start, ...rest] = msg.split('\r\n')
      const method = start.split(' ')[0]
      if (/^SIP\//.test(start)) return // a response: nothing to do
      const hs = []
      for (const l of rest) {
        if (l === '') break
        hs.push(l)
      }
      const h = (name) => hs.filter((l) => l.toLowerCase().startsWith(name.toLowerCase() + ':'))
      const to = h('To')[0] ?? ''
      const out = [method === 'INVITE' ? 'SIP/2.0 501 Not Implemented' : 'SIP/2.0 200 OK', ...h('Via'), ...h('From'), /;tag=/.test(to) ? to : `${to};tag=fake${Date.now()}`, ...h('Call-ID'), ...h('CSeq')]
      log.push(method)
      if (method === 'REGISTER') {
        const contact = h('Contact')[0]?.replace(/^Contact:\s*/i, '')
        const ext = /sip:([^@>;]+)@/.exec(to)?.[1]
        const expires = Number(/expires=(\d+)/i.exec(contact ?? '')?.[1] ?? /^Expires:\s*(\d+)/im.exec(hs.join('\r\n'))?.[1] ?? 600)
        if (ext) {
          if (expires === 0 || contact === '*') registered.delete(ext)
          else registered.set(ext, { contact, expires, at: Date.now() })
        }
        if (contact && contact !== '*') out.push(`Contact: ${contact.replace(/;expires=\d+/i, '')};expires=${expires}`)
      }
      out.push('Content-Length: 0', '', '')
      send(out.join('\r\n'))
    }
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address()
  return {
    url: `ws://127.0.0.1:${port}`,
    registered,
    log,
    close: () => new Promise((r) => {
      server.closeAllConnections?.()
      server.close(() => r())
    }),
  }
}
