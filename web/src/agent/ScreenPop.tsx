import { useLayoutEffect, useState } from 'react'
import { Button, Card, Descriptions, Empty, List, Space, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { useQuery } from '@tanstack/react-query'
import { client, unwrap } from '../lib/api'
import { fmtDateTime, fmtDuration } from '../lib/format'
import { useMe, useTimezone } from '../lib/hooks'
import { fillTemplate, recordPop, type Offer } from './callStore'

// Variables the pop shows elsewhere (caller, DID) or that only identify
// the call.
const hiddenVars = new Set(['call_id', 'caller', 'ani', 'did', 'ipcc_did'])

// ScreenPop shows who is calling the moment the offer arrives (from the
// offered event alone), then adds the IVR path, VIP entry and the caller's
// earlier calls from the API, and the tenant's CRM page.
export function ScreenPop({ offer }: { offer: Offer | null }) {
  const { t } = useTranslation()
  const tz = useTimezone()
  const me = useMe().data
  const [crmInline, setCrmInline] = useState(false)
  useLayoutEffect(() => {
    if (offer) recordPop(offer)
  }, [offer?.call]) // eslint-disable-line react-hooks/exhaustive-deps
  const pop = useQuery({
    queryKey: ['agent', 'pop', offer?.call],
    queryFn: () => unwrap(client.GET('/api/v1/agent/calls/{id}/pop', { params: { path: { id: offer!.call } } })),
    enabled: !!offer?.call,
    retry: 2,
    retryDelay: 300,
  })
  const settings = useQuery({ queryKey: ['desktop', 'settings'], queryFn: () => unwrap(client.GET('/api/v1/desktop/settings')), staleTime: 300_000 })
  // The queue's (else the tenant's) CRM page, rendered by the server from
  // what the offer says; 404 when none is set (then the desktop template).
  const serverPop = useQuery({
    queryKey: ['agent', 'screen-pop', offer?.call],
    queryFn: () =>
      unwrap(
        client.POST('/api/v1/agent/screen-pop', {
          body: { call_id: offer!.call, queue: offer!.queue ?? '', caller: offer!.caller ?? '', did: offer!.did ?? '', vars: offer!.vars ?? {} },
        }),
      ),
    enabled: !!offer?.call,
    retry: false,
    staleTime: Infinity,
  })
  useLayoutEffect(() => {
    if (serverPop.data?.mode === 'iframe') setCrmInline(true)
  }, [serverPop.data?.mode])
  if (!offer) {
    // The same layout with no values: the pop then only fills it in (and
    // its styles are ready before the first call).
    return (
      <Card size="small" title={t('pop.title')} aria-label={t('pop.title')}>
        <Descriptions size="small" column={2} bordered>
          <Descriptions.Item label={t('pop.caller')}>{t('pop.none')}</Descriptions.Item>
          <Descriptions.Item label={t('pop.did')}>{t('pop.none')}</Descriptions.Item>
          <Descriptions.Item label={t('pop.queue')}>{t('pop.none')}</Descriptions.Item>
          <Descriptions.Item label={t('pop.waited')}>{t('pop.none')}</Descriptions.Item>
        </Descriptions>
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('call.noCall')} />
      </Card>
    )
  }
  const vars = Object.entries(offer.vars ?? {}).filter(([k]) => !hiddenVars.has(k))
  const p = pop.data
  const crm = serverPop.data?.url ? serverPop.data.url : settings.data?.crm_url_template ? fillTemplate(settings.data.crm_url_template, { ...offer, caller: offer.caller ?? p?.caller, did: offer.did ?? p?.did }, { id: me?.id, work_number: me?.work_number }) : ''
  return (
    <Card
      size="small"
      title={
        <Space>
          {t('pop.title')}
          {p?.vip && (
            <Tag color="gold" aria-label={t('pop.vip')}>
              ★ {p.vip.name || t('pop.vip')}
            </Tag>
          )}
        </Space>
      }
      aria-label={t('pop.title')}
      data-testid="screen-pop"
    >
      <Descriptions size="small" column={2} bordered>
        <Descriptions.Item label={t('pop.caller')}>
          <Typography.Text strong copyable>
            {offer.caller ?? p?.caller ?? t('pop.none')}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('pop.did')}>{offer.did ?? p?.did ?? t('pop.none')}</Descriptions.Item>
        <Descriptions.Item label={t('pop.queue')}>{offer.queue ?? p?.queue ?? t('pop.none')}</Descriptions.Item>
        <Descriptions.Item label={t('pop.waited')}>{fmtDuration(offer.waited_ms ?? 0)}</Descriptions.Item>
      </Descriptions>
      <Typography.Title level={5} style={{ marginTop: 12 }}>
        {t('pop.variables')}
      </Typography.Title>
      {vars.length ? (
        <Descriptions size="small" column={1} bordered aria-label={t('pop.variables')}>
          {vars.map(([k, v]) => (
            <Descriptions.Item key={k} label={k}>
              {v}
            </Descriptions.Item>
          ))}
        </Descriptions>
      ) : (
        <Typography.Text type="secondary">{t('pop.none')}</Typography.Text>
      )}
      {p?.ivr_path && p.ivr_path.length > 0 && (
        <>
          <Typography.Title level={5} style={{ marginTop: 12 }}>
            {t('pop.ivrPath')}
          </Typography.Title>
          <ol aria-label={t('pop.ivrPath')} style={{ display: 'flex', flexWrap: 'wrap', gap: 4, listStyle: 'none', padding: 0, margin: 0 }}>
            {p.ivr_path.map((n, i) => (
              <li key={i}>
                {i > 0 && <span aria-hidden> → </span>}
                <Tag>{n}</Tag>
              </li>
            ))}
          </ol>
        </>
      )}
      <Typography.Title level={5} style={{ marginTop: 12 }}>
        {t('pop.history')}
      </Typography.Title>
      {p?.history && p.history.length > 0 ? (
        <List
          size="small"
          dataSource={p.history}
          renderItem={(h) => (
            <List.Item>
              <Space wrap>
                <span>{fmtDateTime(h.started_at, tz)}</span>
                <Tag>{h.disposition}</Tag>
                {h.queue_id && <span>{h.queue_id}</span>}
                {h.agent_name && (
                  <span>
                    {t('pop.agent')}: {h.agent_name}
                  </span>
                )}
              </Space>
            </List.Item>
          )}
        />
      ) : (
        <Typography.Text type="secondary">{pop.isLoading ? t('app.loading') : t('pop.noHistory')}</Typography.Text>
      )}
      {crm && (
        <div style={{ marginTop: 12 }}>
          <Space>
            <Typography.Text strong>{t('pop.crm')}</Typography.Text>
            <Button size="small" type="primary" href={crm} target="_blank" rel="noopener noreferrer" title={serverPop.data?.queue_id ? t('screenpop.crmQueue', { queue: serverPop.data.queue_id }) : undefined}>
              {t('screenpop.openCrm')}
            </Button>
            <Button size="small" onClick={() => setCrmInline((x) => !x)}>
              {t('pop.showCrm')}
            </Button>
          </Space>
          {crmInline && <iframe title={t('pop.crm')} src={crm} style={{ width: '100%', height: 360, border: '1px solid #f0f0f0', marginTop: 8 }} sandbox="allow-scripts allow-forms allow-same-origin allow-popups" />}
        </div>
      )}
    </Card>
  )
}
