/** Where submitted documents (raw emails, uploaded files) are kept: S3 in AWS, a folder locally. */
export interface DocumentStore {
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The bytes, or null when there is no such document. */
  get(key: string): Promise<Uint8Array | null>;
}
