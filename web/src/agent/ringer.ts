import { useEffect } from 'react'

// useRinger plays a ring tone (generated, no audio file) while on.
export function useRinger(on: boolean) {
  useEffect(() => {
    if (!on || typeof AudioContext === 'undefined') return
    // Started after the screen pop has painted: opening the audio device
    // can take the main thread for a while.
    let c: AudioContext | undefined
    let timer: ReturnType<typeof setInterval> | undefined
    const ring = () => {
      if (!c) return
      const o = c.createOscillator()
      const g = c.createGain()
      o.frequency.value = 440
      g.gain.value = 0.08
      o.connect(g).connect(c.destination)
      o.start()
      o.stop(c.currentTime + 0.8)
    }
    const start = setTimeout(() => {
      try {
        c = new AudioContext()
      } catch {
        return
      }
      ring()
      timer = setInterval(ring, 2000)
    }, 300)
    return () => {
      clearTimeout(start)
      clearInterval(timer)
      void c?.close()
    }
  }, [on])
}
