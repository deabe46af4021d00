import { useEffect, useRef } from 'react'
import * as echarts from 'echarts/core'
import { BarChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer])

type Slot = { hour?: number; offered?: number; answered?: number }

// HourlyChart: calls per local hour today (offered and answered).
export function HourlyChart({ slots, labels }: { slots: Slot[]; labels: { offered: string; answered: string } }) {
  const el = useRef<HTMLDivElement>(null)
  const chart = useRef<echarts.ECharts>()
  useEffect(() => {
    if (!el.current) return
    chart.current = echarts.init(el.current, 'dark', { renderer: 'canvas' })
    const onResize = () => chart.current?.resize()
    window.addEventListener('resize', onResize)
    return () => {
      window.removeEventListener('resize', onResize)
      chart.current?.dispose()
    }
  }, [])
  useEffect(() => {
    chart.current?.setOption({
      backgroundColor: 'transparent',
      textStyle: { fontSize: 20 },
      animation: false,
      legend: { top: 0, right: 0, textStyle: { fontSize: 22, color: '#dfe6f3' } },
      grid: { left: 60, right: 20, top: 50, bottom: 40 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: slots.map((s) => String(s.hour ?? 0).padStart(2, '0')), axisLabel: { fontSize: 18 } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { fontSize: 18 } },
      series: [
        { name: labels.offered, type: 'bar', data: slots.map((s) => s.offered ?? 0), itemStyle: { color: '#4096ff' } },
        { name: labels.answered, type: 'bar', data: slots.map((s) => s.answered ?? 0), itemStyle: { color: '#73d13d' } },
      ],
    })
  }, [slots, labels.offered, labels.answered])
  return <div ref={el} role="img" aria-label={`${labels.offered} / ${labels.answered}`} style={{ width: '100%', height: 320 }} />
}
