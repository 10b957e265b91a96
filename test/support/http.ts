import { appendFileSync } from 'node:fs';

/**
 * When E2E_RESPONSES_FILE is set, every response the suite receives is appended to it (one JSON line:
 * method, path, status, content type, body) for scripts/validate-responses.js to check against openapi.json.
 */
function record(method: string, path: string, status: number, contentType: string | null, text: string): void {
  const file = process.env.E2E_RESPONSES_FILE;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ method, path, status, contentType, text })}\n`);
}

export interface Envelope<T = any> {
  data: T;
  message: string;
  errorCode: number;
  status: number;
}

export interface HttpResponse<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  /** A raw body (sent as is, with the given content type). */
  raw?: string;
  contentType?: string;
}

/** A small fetch wrapper: JSON in, JSON out, never throws on an HTTP status. */
export class HttpClient {
  constructor(readonly baseUrl: string) {}

  async request<T = any>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined;
    if (options.raw !== undefined) {
      payload = options.raw;
      if (options.contentType) headers['content-type'] = options.contentType;
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload });
    const text = await response.text();
    record(method, path, response.status, response.headers.get('content-type'), text);
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  get<T = any>(path: string, options?: RequestOptions): Promise<HttpResponse<T>> {
    return this.request('GET', path, undefined, options);
  }

  post<T = any>(path: string, body?: unknown, options?: RequestOptions): Promise<HttpResponse<T>> {
    return this.request('POST', path, body, options);
  }

  put<T = any>(path: string, body?: unknown, options?: RequestOptions): Promise<HttpResponse<T>> {
    return this.request('PUT', path, body, options);
  }

  patch<T = any>(path: string, body?: unknown, options?: RequestOptions): Promise<HttpResponse<T>> {
    return this.request('PATCH', path, body, options);
  }

  delete<T = any>(path: string, options?: RequestOptions): Promise<HttpResponse<T>> {
    return this.request('DELETE', path, undefined, options);
  }
}

/** Asserts the envelope's shape and that `status` equals the HTTP status. */
export function expectEnvelope(response: HttpResponse, status: number, errorCode = 0): void {
  expect({ status: response.status, errorCode: response.body?.errorCode }).toEqual({ status, errorCode });
  expect(response.body).toEqual(expect.objectContaining({ status, errorCode, message: expect.any(String) }));
  expect(Object.keys(response.body).sort()).toEqual(['data', 'errorCode', 'message', 'status']);
}
