// The tenant's prompts library: uploaded audio (checked by the API: PCM WAV,
// 8/16 kHz, mono/stereo, at most 10 minutes) and TTS prompts with text in
// zh-CN and en, each playable here, with the flows and queues that use it. Admins add
// and delete; supervisors listen. Flows reference a prompt as
// `- library: NAME` (docs/flows.md).
import { useCallback, useEffect, useState } from 'react'
import { Alert, Button, Form, Input, Popconfirm, Select, Space, Table, Tag, Typography, Upload, message } from 'antd'
import { useTranslation } from 'react-i18next'
import { ApiError, fetchAudio } from '../lib/api'
import { getSession } from '../lib/session'

type Prompt = {
  name: string
  kind: 'file' | 'tts'
  language: string
  duration_ms: number
  size_bytes: number
  texts?: Record<string, string>
  used_by: string[]
}

function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const s = getSession()
  return { ...(s ? { Authorization: `Bearer ${s.token}` } : {}), ...extra }
}

async function call<T>(method: string, path: string, body?: BodyInit, ctype?: string): Promise<T | undefined> {
  const res = await fetch(path, { method, headers: authHeaders(ctype ? { 'Content-Type': ctype } : {}), body })
  if (!res.ok) {
    const e = ((await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error
    throw new ApiError(res.status, e?.code ?? 'error', e?.message ?? res.statusText, e?.field)
  }
  return res.status === 204 ? undefined : ((await res.json()) as T)
}

export default function PromptsPage({ readOnly }: { readOnly?: boolean }) {
  const { t } = useTranslation()
  const [rows, setRows] = useState<Prompt[]>([])
  const [loadError, setLoadError] = useState('')
  const [audio, setAudio] = useState<{ key: string; url: string } | undefined>()
  const [playError, setPlayError] = useState('')
  const [uploadError, setUploadError] = useState<{ field?: string; message: string } | undefined>()
  const [ttsError, setTtsError] = useState<{ field?: string; message: string } | undefined>()
  const [file, setFile] = useState<File | undefined>()
  const [upForm] = Form.useForm()
  const [ttsForm] = Form.useForm()

  const load = useCallback(async () => {
    try {
      setRows((await call<Prompt[]>('GET', '/api/v1/prompts')) ?? [])
      setLoadError('')
    } catch (e) {
      setLoadError((e as Error).message)
    }
  }, [])
  useEffect(() => {
    void load()
  }, [load])

  const play = async (name: string, lang?: string) => {
    setPlayError('')
    try {
      const url = await fetchAudio(`/api/v1/prompts/${encodeURIComponent(name)}/audio${lang ? `?lang=${lang}` : ''}`)
      setAudio({ key: `${name}/${lang ?? ''}`, url })
    } catch (e) {
      setPlayError((e as Error).message)
    }
  }

  const upload = async (v: { name: string; language?: string }) => {
    setUploadError(undefined)
    if (!file) {
      setUploadError({ field: 'file', message: t('admin.prompts.chooseFile') })
      return
    }
    const q = new URLSearchParams({ name: v.name ?? '', language: v.language ?? '' })
    try {
      await call('POST', `/api/v1/prompts?${q}`, file, 'audio/wav')
      message.success(t('admin.saved'))
      upForm.resetFields()
      setFile(undefined)
      void load()
    } catch (e) {
      const err = e as ApiError
      setUploadError({ field: err.field, message: err.message })
    }
  }

  const createTTS = async (v: { name: string; zh: string; en: string }) => {
    setTtsError(undefined)
    try {
      await call('POST', '/api/v1/prompts', JSON.stringify({ name: v.name ?? '', texts: { 'zh-CN': v.zh ?? '', en: v.en ?? '' } }), 'application/json')
      message.success(t('admin.saved'))
      ttsForm.resetFields()
      void load()
    } catch (e) {
      const err = e as ApiError
      setTtsError({ field: err.field, message: err.message })
    }
  }

  const remove = async (name: string) => {
    try {
      await call('DELETE', `/api/v1/prompts/${encodeURIComponent(name)}`)
      message.success(t('admin.deleted'))
      void load()
    } catch (e) {
      message.error((e as Error).message, 8)
    }
  }

  const fieldStatus = (err: { field?: string } | undefined, f: string) => (err && err.field === f ? 'error' : undefined)

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Typography.Title level={4}>{t('admin.prompts.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('admin.prompts.hint')}</Typography.Paragraph>
      {loadError && <Alert type="error" message={loadError} />}
      {playError && <Alert type="error" message={playError} closable onClose={() => setPlayError('')} />}
      {audio && <audio key={audio.key} data-testid="prompt-audio" data-prompt={audio.key} src={audio.url} controls autoPlay style={{ width: '100%' }} />}
      <Table<Prompt>
        rowKey="name"
        dataSource={rows}
        pagination={false}
        size="small"
        columns={[
          { title: t('admin.prompts.name'), dataIndex: 'name' },
          { title: t('admin.prompts.kind'), dataIndex: 'kind', render: (k: string) => <Tag>{t(`admin.prompts.kind_${k}`)}</Tag> },
          { title: t('admin.prompts.language'), dataIndex: 'language', render: (l: string) => l || t('admin.prompts.allLanguages') },
          {
            title: t('admin.prompts.duration'),
            render: (_, p) => (p.kind === 'file' ? `${(p.duration_ms / 1000).toFixed(1)} s · ${Math.ceil(p.size_bytes / 1024)} KiB` : p.texts?.['zh-CN'] ?? ''),
          },
          {
            title: t('admin.prompts.usedBy'),
            dataIndex: 'used_by',
            render: (u: string[]) =>
              u.length ? (
                u.map((x) => {
                  const [kind, id] = x.split(':', 2)
                  return (
                    <Tag key={x} data-use={x}>
                      {kind === 'queue' || kind === 'flow' ? t(`admin.prompts.use_${kind}`, { id }) : x}
                    </Tag>
                  )
                })
              ) : (
                <Typography.Text type="secondary">{t('admin.prompts.unused')}</Typography.Text>
              ),
          },
          {
            title: t('admin.actions'),
            render: (_, p) => (
              <Space>
                {p.kind === 'file' ? (
                  <Button size="small" onClick={() => void play(p.name)}>{t('admin.prompts.play')}</Button>
                ) : (
                  <>
                    <Button size="small" onClick={() => void play(p.name, 'zh-CN')}>{t('admin.prompts.previewZh')}</Button>
                    <Button size="small" onClick={() => void play(p.name, 'en')}>{t('admin.prompts.previewEn')}</Button>
                  </>
                )}
                {!readOnly && (
                  <Popconfirm title={t('admin.confirmDelete')} onConfirm={() => void remove(p.name)}>
                    <Button size="small" danger>{t('admin.delete')}</Button>
                  </Popconfirm>
                )}
              </Space>
            ),
          },
        ]}
      />
      {!readOnly && (
        <>
          <Typography.Title level={5}>{t('admin.prompts.upload')}</Typography.Title>
          <Form form={upForm} name="promptUpload" layout="inline" onFinish={(v) => void upload(v)}>
            <Form.Item name="name" label={t('admin.prompts.name')} validateStatus={fieldStatus(uploadError, 'name')}>
              <Input placeholder="welcome" />
            </Form.Item>
            <Form.Item name="language" label={t('admin.prompts.language')} validateStatus={fieldStatus(uploadError, 'language')}>
              <Select style={{ width: 140 }} allowClear options={[{ value: 'zh-CN', label: '中文 zh-CN' }, { value: 'en', label: 'English en' }]} />
            </Form.Item>
            <Form.Item validateStatus={fieldStatus(uploadError, 'file')}>
              <Upload
                accept=".wav,audio/wav"
                maxCount={1}
                beforeUpload={(f) => {
                  setFile(f)
                  return false
                }}
                onRemove={() => setFile(undefined)}
                fileList={file ? [{ uid: '1', name: file.name }] : []}
              >
                <Button>{t('admin.prompts.chooseFile')}</Button>
              </Upload>
            </Form.Item>
            <Button type="primary" htmlType="submit">{t('admin.prompts.uploadButton')}</Button>
          </Form>
          {uploadError && <Alert role="alert" type="error" message={uploadError.message} />}
          <Typography.Title level={5}>{t('admin.prompts.tts')}</Typography.Title>
          <Form form={ttsForm} name="promptTts" layout="vertical" onFinish={(v) => void createTTS(v)} style={{ maxWidth: 640 }}>
            <Form.Item name="name" label={t('admin.prompts.name')} validateStatus={fieldStatus(ttsError, 'name')}>
              <Input placeholder="greeting" />
            </Form.Item>
            <Form.Item name="zh" label={t('admin.prompts.textZh')} validateStatus={fieldStatus(ttsError, 'texts.zh-CN')}>
              <Input.TextArea rows={2} />
            </Form.Item>
            <Form.Item name="en" label={t('admin.prompts.textEn')} validateStatus={fieldStatus(ttsError, 'texts.en')}>
              <Input.TextArea rows={2} />
            </Form.Item>
            <Button type="primary" htmlType="submit">{t('admin.prompts.createTts')}</Button>
          </Form>
          {ttsError && <Alert role="alert" type="error" message={ttsError.message} />}
        </>
      )}
    </Space>
  )
}
