// The platform's restriction of the switch gateways each tenant's trunks
// may name (superadmin): the configuration's entries (media.trunk_gateways)
// and those set here, which replace the configuration's for their tenant
// and apply at once.
import { Form, Select, Tag, Typography } from 'antd'
import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { client, unwrap, type Schemas } from '../lib/api'
import { ResourcePage } from './ResourcePage'

type Entry = Schemas['outroute.GatewayEntry']

export default function PlatformGatewaysPage() {
  const { t } = useTranslation()
  const tenants = useQuery({ queryKey: ['admin', 'tenants'], queryFn: () => unwrap(client.GET('/api/v1/tenants')) })
  const put = (tenant: string, gateways: string[]) =>
    unwrap(client.PUT('/api/v1/platform/trunk-gateways/{tenant}', { params: { path: { tenant } }, body: { gateways } }))
  const gws = (list?: string[]) =>
    list && list.length ? list.map((g) => <Tag key={g}>{g}</Tag>) : <Typography.Text type="danger">{t('platformGateways.none')}</Typography.Text>
  return (
    <ResourcePage<Entry>
      title={t('platformGateways.title')}
      intro={t('platformGateways.intro')}
      queryKey={['admin', 'platform-gateways']}
      list={() => unwrap(client.GET('/api/v1/platform/trunk-gateways'))}
      rowKey={(x) => x.tenant ?? ''}
      searchText={(x) => `${x.tenant} ${(x.gateways ?? []).join(' ')}`}
      columns={[
        { title: t('platformGateways.tenant'), dataIndex: 'tenant', render: (v: string) => (v === '*' ? t('platformGateways.everyOther') : v) },
        { title: t('platformGateways.gateways'), dataIndex: 'gateways', render: (v: string[]) => gws(v) },
        {
          title: t('platformGateways.source'),
          dataIndex: 'source',
          render: (v: string, x) =>
            v === 'api' ? (
              <>
                <Tag color="blue">{t('platformGateways.fromApi')}</Tag>
                {x.config && <Typography.Text type="secondary">{t('platformGateways.overrides', { gateways: x.config.length ? x.config.join(', ') : t('platformGateways.none') })}</Typography.Text>}
              </>
            ) : (
              <Tag>{t('platformGateways.fromConfig')}</Tag>
            ),
        },
      ]}
      toForm={(x) => ({ tenant: x.tenant, gateways: x.gateways ?? [] })}
      initialValues={{ gateways: [] }}
      create={(v: { tenant: string; gateways?: string[] }) => put(v.tenant, v.gateways ?? [])}
      update={(x, v: { gateways?: string[] }) => put(x.tenant!, v.gateways ?? [])}
      remove={(x) =>
        x.source === 'api'
          ? unwrap(client.DELETE('/api/v1/platform/trunk-gateways/{tenant}', { params: { path: { tenant: x.tenant! } } }))
          : Promise.reject(new Error(t('platformGateways.configOnly')))
      }
      alias={(f) => (f.startsWith('gateways') ? ['gateways'] : undefined)}
      renderForm={({ editing }) => (
        <>
          <Form.Item name="tenant" label={t('platformGateways.tenant')} rules={[{ required: true, message: t('platformGateways.tenant') }]}>
            <Select
              disabled={!!editing}
              showSearch
              aria-label={t('platformGateways.tenant')}
              options={[{ value: '*', label: t('platformGateways.everyOther') }, ...(tenants.data ?? []).map((x) => ({ value: x.id ?? '', label: `${x.name ?? ''} (${x.id})` }))]}
            />
          </Form.Item>
          <Form.Item name="gateways" label={t('platformGateways.gateways')} extra={t('platformGateways.gatewaysHint')}>
            <Select mode="tags" aria-label={t('platformGateways.gateways')} open={false} tokenSeparators={[',', ' ']} />
          </Form.Item>
        </>
      )}
    />
  )
}
