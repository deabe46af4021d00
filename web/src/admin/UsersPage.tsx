import { Button, Form, Input, Select, Switch, Tag, App as AntApp } from 'antd'
import { useTranslation } from 'react-i18next'
import { client, unwrap, type Schemas } from '../lib/api'
import { ResourcePage } from './ResourcePage'
import { TagsInput, enumOptions } from './inputs'
import { errorMessage } from './errors'

type User = Schemas['api.userView']
const roles = ['admin', 'supervisor', 'qa', 'agent']

export default function UsersPage() {
  const { t } = useTranslation()
  const { message } = AntApp.useApp()
  return (
    <ResourcePage<User>
      title={t('admin.users.title')}
      intro={t('admin.users.intro')}
      queryKey={['admin', 'users']}
      list={() => unwrap(client.GET('/api/v1/users'))}
      rowKey={(u) => u.id ?? ''}
      rowLabel={(u) => u.username ?? ''}
      searchText={(u) => [u.username, u.display_name, u.work_number, u.role, ...(u.devices ?? [])].join(' ')}
      columns={[
        { title: t('admin.users.username'), dataIndex: 'username', sorter: (a, b) => (a.username ?? '').localeCompare(b.username ?? '') },
        { title: t('admin.users.displayName'), dataIndex: 'display_name' },
        { title: t('admin.users.role'), dataIndex: 'role', render: (r: string) => t(`admin.roles.${r}`) },
        { title: t('admin.users.workNumber'), dataIndex: 'work_number' },
        { title: t('admin.users.devices'), dataIndex: 'devices', render: (d?: string[]) => (d ?? []).map((x) => <Tag key={x}>{x}</Tag>) },
        { title: t('admin.users.status'), dataIndex: 'disabled', render: (d?: boolean) => (d ? <Tag color="red">{t('admin.disabled')}</Tag> : <Tag color="green">{t('admin.enabled')}</Tag>) },
      ]}
      initialValues={{ role: 'agent', devices: [] }}
      toForm={(u) => ({ ...u, password: '' })}
      create={(v: Schemas['api.userRequest']) => unwrap(client.POST('/api/v1/users', { body: { ...v, devices: v.devices ?? [] } }))}
      update={(u, v: Schemas['api.userPatch']) => {
        const body: Schemas['api.userPatch'] = { display_name: v.display_name ?? '', role: v.role, work_number: v.work_number ?? '', devices: v.devices ?? [], disabled: !!v.disabled }
        if (v.password) body.password = v.password
        return unwrap(client.PATCH('/api/v1/users/{id}', { params: { path: { id: u.id! } }, body }))
      }}
      remove={(u) => unwrap(client.DELETE('/api/v1/users/{id}', { params: { path: { id: u.id! } } }))}
      rowActions={(u) => (
        <Button
          size="small"
          onClick={async () => {
            try {
              await unwrap(client.POST('/api/v1/users/{id}/logout', { params: { path: { id: u.id! } } }))
              message.success(t('admin.users.loggedOut'))
            } catch (e) {
              message.error(errorMessage(e))
            }
          }}
        >
          {t('admin.users.logout')}
        </Button>
      )}
      renderForm={({ editing }) => (
        <>
          <Form.Item name="username" label={t('admin.users.username')} extra={editing ? undefined : t('admin.users.usernameHint')}>
            <Input disabled={!!editing} autoComplete="off" />
          </Form.Item>
          <Form.Item name="password" label={t('admin.users.password')} extra={editing ? t('admin.users.passwordKeep') : t('admin.users.passwordHint')}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item name="display_name" label={t('admin.users.displayName')}>
            <Input />
          </Form.Item>
          <Form.Item name="role" label={t('admin.users.role')}>
            <Select options={enumOptions(t, 'admin.roles', roles)} />
          </Form.Item>
          <Form.Item name="work_number" label={t('admin.users.workNumber')} extra={t('admin.users.workNumberHint')}>
            <Input />
          </Form.Item>
          <Form.Item name="devices" label={t('admin.users.devices')} extra={t('admin.users.devicesHint')}>
            <TagsInput />
          </Form.Item>
          {editing && (
            <Form.Item name="disabled" label={t('admin.disabled')} valuePropName="checked">
              <Switch />
            </Form.Item>
          )}
        </>
      )}
    />
  )
}
