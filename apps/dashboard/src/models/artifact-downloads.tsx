import { useState } from 'react';
import type { JobArtifact } from '../api/types';
import { useSession } from '../auth/session';
import { ErrorBanner } from '../ui/error-banner';
import { formatBytes } from '../ui/format';
import { useAsync } from '../ui/use-async';

const ARTIFACT_LABELS: Record<string, string> = {
  merged: 'Merged model (safetensors, Hugging Face layout)',
  adapter: 'LoRA adapter (PEFT)',
  gguf: 'GGUF (llama.cpp, Ollama)',
};

/**
 * A succeeded job's results, file by file. A download is fetched with the API key (a plain link cannot carry it) and
 * handed to the browser as a file; the gateway checks each file against its sha256 as it streams.
 */
export function ArtifactDownloads({ jobId }: { jobId: string }) {
  const { client } = useSession();
  const artifacts = useAsync(() => client.artifacts(jobId), [client, jobId]);
  const [downloading, setDownloading] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);

  const download = async (artifact: JobArtifact, path: string) => {
    setDownloading(`${artifact.name}/${path}`);
    setError(null);
    try {
      const blob = await client.artifactFile(jobId, artifact.name, path);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = `${jobId}-${artifact.name}-${path.replace(/\//g, '_')}`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setDownloading(null);
    }
  };

  if (artifacts.data?.length === 0) return <p className="muted">No downloads: the job has no committed results.</p>;
  return (
    <div>
      <ErrorBanner error={artifacts.error ?? error} />
      {artifacts.data?.map((artifact) => (
        <div key={artifact.name} className="artifact">
          <h4>
            {ARTIFACT_LABELS[artifact.name] ?? artifact.name} <span className="muted">· {formatBytes(artifact.bytes)}</span>
          </h4>
          <ul>
            {artifact.files.map((file) => (
              <li key={file.path}>
                <button type="button" className="link" disabled={downloading !== null} onClick={() => download(artifact, file.path)}>
                  Download {file.path}
                </button>{' '}
                <span className="muted">
                  {formatBytes(file.bytes)} · sha256 <code>{file.sha256.slice(0, 12)}…</code>
                </span>
              </li>
            ))}
          </ul>
        </div>
      ))}
      <span role="status" aria-live="polite">
        {downloading ? `Downloading ${downloading}…` : ''}
      </span>
    </div>
  );
}
