// Waveform draws the recording's peaks (one row per channel) on a canvas,
// with the play position; a click seeks there.
import { useEffect, useRef } from 'react'

export function Waveform({ peaks, perSecond, channels, position, duration, onSeek, label, marks }: {
  peaks: number[][]; perSecond: number; channels: string[]; position: number; duration: number; onSeek: (s: number) => void; label: string; marks?: number[]
}) {
  const ref = useRef<HTMLCanvasElement>(null)
  useEffect(() => {
    const c = ref.current
    if (!c) return
    const w = (c.width = c.clientWidth || 800)
    const rowH = 60
    const h = (c.height = rowH * Math.max(1, peaks.length))
    const g = c.getContext('2d')
    if (!g) return
    g.clearRect(0, 0, w, h)
    const total = Math.max(duration, (peaks[0]?.length ?? 0) / perSecond) || 1
    peaks.forEach((row, ci) => {
      const mid = ci * rowH + rowH / 2
      g.fillStyle = ci === 0 ? '#1677ff' : '#52c41a'
      for (let x = 0; x < w; x++) {
        const a = Math.floor(((x / w) * total) * perSecond)
        const b = Math.max(a + 1, Math.floor((((x + 1) / w) * total) * perSecond))
        let m = 0
        for (let i = a; i < b && i < row.length; i++) m = Math.max(m, row[i])
        const y = (m / 255) * (rowH / 2 - 4)
        g.fillRect(x, mid - y, 1, Math.max(1, 2 * y))
      }
      g.fillStyle = '#8c8c8c'
      g.font = '11px sans-serif'
      g.fillText(channels[ci] ?? '', 4, ci * rowH + 12)
    })
    g.fillStyle = '#fa8c16'
    for (const m of marks ?? []) g.fillRect((m / total) * w, 0, 2, h)
    g.fillStyle = '#f5222d'
    g.fillRect((position / total) * w, 0, 2, h)
  }, [peaks, perSecond, channels, position, duration, marks])
  return (
    <canvas ref={ref} role="img" aria-label={label} data-testid="qa-waveform" style={{ width: '100%', height: 60 * Math.max(1, peaks.length), cursor: 'pointer', background: '#fafafa' }}
      onClick={(e) => {
        const r = e.currentTarget.getBoundingClientRect()
        const total = Math.max(duration, (peaks[0]?.length ?? 0) / perSecond) || 1
        onSeek(((e.clientX - r.left) / r.width) * total)
      }} />
  )
}
