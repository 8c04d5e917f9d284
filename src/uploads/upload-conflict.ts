// The one refusal every part of the pipeline (and each kind) uses when a request cannot be done in
// the upload's current state: pages show it, the API answers 409. Its own module, so kinds can
// throw it without importing the pipeline that imports them.
export class UploadConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UploadConflict';
  }
}
