import { useEffect } from 'react'

// useRinger plays a ring tone (generated, no audio file) while on.
export function useRinger(on: boolean) {
  useEffect(() => {
    if (!on || typeof AudioContext === 'undefined') return
    let ctx: AudioContext | undefined
    try {
      ctx = new AudioContext()
    } catch {
      return
    }
    const c = ctx
    const ring = () => {
      const o = c.createOscillator()
      const g = c.createGain()
      o.frequency.value = 440
      g.gain.value = 0.08
      o.connect(g).connect(c.destination)
      o.start()
      o.stop(c.currentTime + 0.8)
    }
    ring()
    const timer = setInterval(ring, 2000)
    return () => {
      clearInterval(timer)
      void c.close()
    }
  }, [on])
}
