/** Bad flags or input of `catalog`: printed with the usage, exit 2, nothing called. */
export class CatalogInputError extends Error {
  override name = 'CatalogInputError';
}
