// Work-order events from the WebSocket: refresh what shows work orders and
// tell the user about escalations and assignments that concern them.
import { App as AntApp } from 'antd'
import { useQueryClient } from '@tanstack/react-query'
import { useEvents } from '../lib/ws'
import { useSession } from '../lib/session'
import { live } from '../lib/live'

export function useWorkOrderEvents() {
  const qc = useQueryClient()
  const { notification } = AntApp.useApp()
  const me = useSession()?.user
  useEvents((ev) => {
    if (ev.type !== 'workorder') return
    void qc.invalidateQueries({ queryKey: ['crm', 'workorders'] })
    void qc.invalidateQueries({ queryKey: ['crm', 'workorder', ev.target] })
    const mine = ev.agent === me?.id
    const sup = me?.role === 'admin' || me?.role === 'supervisor'
    const loud = ['escalated', 'reassigned', 'notified', 'sla_breached'].includes(ev.reason ?? '')
    if ((loud && (mine || sup)) || (mine && ev.reason === 'assigned' && ev.by !== me?.id)) {
      const title = ev.vars?.title ?? ''
      notification.warning({
        key: `wo-${ev.target}-${ev.reason}`,
        message: live((t) => t(`crm.notice.${ev.reason}`, { id: ev.target, title })),
      })
    }
  })
}

