import { afterEach, describe, expect, it, vi } from 'vitest';
import { config, DEFAULT_EXTRACTION_MODEL_ID } from '../../../lambdas/config.ts';

afterEach(() => vi.unstubAllEnvs());

describe('extraction configuration', () => {
  it('is off until a model id is set, and then names it', () => {
    vi.stubEnv('BM_EXTRACTION_MODEL_ID', '');
    expect(config.extractionEnabled).toBe(false);
    expect(() => config.extractionModelId).toThrow('environment variable BM_EXTRACTION_MODEL_ID is required');

    vi.stubEnv('BM_EXTRACTION_MODEL_ID', DEFAULT_EXTRACTION_MODEL_ID);
    expect(config.extractionEnabled).toBe(true);
    expect(config.extractionModelId).toBe('eu.anthropic.claude-haiku-4-5-20251001-v1:0');
  });

  it.each([
    { case: 'unset', value: '', result: {} },
    { case: 'an object of model ids', value: '{"@big.example":"eu.anthropic.claude-sonnet-4-5-20250929-v1:0"}', result: { '@big.example': 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0' } },
  ])('per-supplier models: $case', ({ value, result }) => {
    vi.stubEnv('BM_EXTRACTION_SUPPLIER_MODELS', value);
    expect(config.extractionSupplierModels).toEqual(result);
  });

  it.each([
    { case: 'not JSON', value: '{oops', message: 'is not JSON' },
    { case: 'not an object of strings', value: '{"a": 1}', message: 'must be a JSON object of model ids' },
    { case: 'an array', value: '["x"]', message: 'must be a JSON object of model ids' },
  ])('per-supplier models that are $case fail fast, naming the variable', ({ value, message }) => {
    vi.stubEnv('BM_EXTRACTION_SUPPLIER_MODELS', value);
    expect(() => config.extractionSupplierModels).toThrow(`environment variable BM_EXTRACTION_SUPPLIER_MODELS ${message}`);
  });
});
