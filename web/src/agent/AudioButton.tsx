import { useEffect, useState } from 'react'
import { Button } from 'antd'
import { useTranslation } from 'react-i18next'
import { fetchAudio } from '../lib/api'
import { errorText } from '../lib/live'

// AudioButton loads audio behind authentication on demand and plays it.
export function AudioButton({ path, label, onPlayed }: { path: string; label: string; onPlayed?: () => void }) {
  const [url, setUrl] = useState<string>()
  const { t } = useTranslation()
  const [err, setErr] = useState<unknown>()
  useEffect(() => () => (url ? URL.revokeObjectURL(url) : undefined), [url])
  if (url) return <audio controls autoPlay src={url} style={{ height: 32 }} onPlay={onPlayed} aria-label={label} />
  return (
    <Button
      size="small"
      danger={!!err}
      title={err ? errorText(t, err) : undefined}
      onClick={async () => {
        try {
          setUrl(await fetchAudio(path))
        } catch (e) {
          setErr(e)
        }
      }}
    >
      ▶ {label}
    </Button>
  )
}
