import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One data point as an OTLP/HTTP JSON metrics export carries it, with the service that sent it. */
export interface ReceivedDataPoint {
  service: string;
  metric: string;
  attributes: Record<string, string | number | boolean>;
  value: number;
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
}
interface OtlpNumberPoint {
  attributes?: OtlpAttribute[];
  asDouble?: number;
  asInt?: string | number;
}
interface OtlpMetric {
  name: string;
  gauge?: { dataPoints?: OtlpNumberPoint[] };
  sum?: { dataPoints?: OtlpNumberPoint[] };
  histogram?: { dataPoints?: Array<{ attributes?: OtlpAttribute[]; count?: string | number }> };
}

/**
 * Jaeger stores traces, not metrics: the services' OTLP metric exports go to this endpoint on loopback
 * instead (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT), as they would to a collector, and the test reads them.
 * Gauges and sums give their value, histograms their count.
 */
export class OtlpMetricsSink {
  readonly points: ReceivedDataPoint[] = [];
  private server: Server | undefined;

  /** Starts listening; returns the metrics endpoint URL. */
  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.url === '/v1/metrics') this.record(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/metrics`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private record(body: { resourceMetrics?: Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeMetrics?: Array<{ metrics?: OtlpMetric[] }> }> }) {
    for (const resourceMetrics of body.resourceMetrics ?? []) {
      const service = String(attributesOf(resourceMetrics.resource?.attributes)['service.name']);
      for (const scope of resourceMetrics.scopeMetrics ?? []) {
        for (const metric of scope.metrics ?? []) {
          for (const point of [...(metric.gauge?.dataPoints ?? []), ...(metric.sum?.dataPoints ?? [])]) {
            this.points.push({ service, metric: metric.name, attributes: attributesOf(point.attributes), value: Number(point.asDouble ?? point.asInt) });
          }
          for (const point of metric.histogram?.dataPoints ?? []) {
            this.points.push({ service, metric: metric.name, attributes: attributesOf(point.attributes), value: Number(point.count) });
          }
        }
      }
    }
  }
}

function attributesOf(list: OtlpAttribute[] | undefined): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    result[key] = value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.boolValue ?? value.doubleValue ?? '';
  }
  return result;
}
