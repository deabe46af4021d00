import { useEffect, useRef } from 'react'
import * as echarts from 'echarts/core'
import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer])

export type Series = { name: string; data: number[]; type?: 'bar' | 'line'; yAxis?: number }

// Chart draws categories with bar or line series; clicking a bar calls
// onPick with the category's index (drill-down).
// percentMax tops the percent axis (default 100: shares; lower for small
// rates such as an abandon rate against its cap).
export function Chart({ categories, series, label, onPick, percentAxis, percentMax, testId }: { categories: string[]; series: Series[]; label: string; onPick?: (index: number) => void; percentAxis?: boolean; percentMax?: number; testId?: string }) {
  const el = useRef<HTMLDivElement>(null)
  const chart = useRef<echarts.ECharts>()
  const pick = useRef(onPick)
  pick.current = onPick
  useEffect(() => {
    if (!el.current) return
    chart.current = echarts.init(el.current, undefined, { renderer: 'canvas' })
    chart.current.on('click', (p) => pick.current?.(p.dataIndex))
    const onResize = () => chart.current?.resize()
    window.addEventListener('resize', onResize)
    return () => {
      window.removeEventListener('resize', onResize)
      chart.current?.dispose()
    }
  }, [])
  useEffect(() => {
    chart.current?.setOption(
      {
        animation: false,
        legend: { top: 0 },
        grid: { left: 56, right: percentAxis ? 56 : 20, top: 40, bottom: 56 },
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: categories, axisLabel: { interval: 'auto', rotate: categories.length > 12 ? 30 : 0 } },
        yAxis: [{ type: 'value', minInterval: 1 }, ...(percentAxis ? [{ type: 'value', min: 0, max: percentMax ?? 100, axisLabel: { formatter: '{value}%' } }] : [])],
        series: series.map((s) => ({ name: s.name, type: s.type ?? 'bar', data: s.data, yAxisIndex: s.yAxis ?? 0, cursor: onPick ? 'pointer' : 'default' })),
      },
      true,
    )
  }, [categories, series, percentAxis, percentMax]) // eslint-disable-line react-hooks/exhaustive-deps
  return <div ref={el} role="img" aria-label={label} data-testid={testId ?? 'report-chart'} style={{ width: '100%', height: 300 }} />
}
