/**
 * Fluent's DataGrid as the admin center's lists use it: a header row, one row per item, optional
 * multi-select. Cells hold their own links and buttons, which the keyboard reaches with Tab.
 */
import {
  DataGrid,
  DataGridBody,
  DataGridCell,
  DataGridHeader,
  DataGridHeaderCell,
  DataGridRow,
  TableColumnDefinition,
  TableRowId,
} from '@fluentui/react-components';

export interface GridProps<T> {
  items: T[];
  columns: TableColumnDefinition<T>[];
  getRowId: (item: T) => string;
  label: string;
  selection?: { selected: Set<string>; onChange: (ids: Set<string>) => void; allLabel: string; rowLabel: (item: T) => string };
  empty?: React.ReactNode;
}

export function Grid<T>({ items, columns, getRowId, label, selection, empty }: GridProps<T>) {
  return (
    <>
      <DataGrid
        items={items}
        columns={columns}
        getRowId={getRowId}
        aria-label={label}
        focusMode="none"
        selectionMode={selection ? 'multiselect' : undefined}
        selectedItems={selection?.selected as Set<TableRowId> | undefined}
        onSelectionChange={(_, d) => selection?.onChange(new Set([...d.selectedItems].map(String)))}
        style={{ minWidth: 600 }}
      >
        <DataGridHeader>
          <DataGridRow selectionCell={selection ? { checkboxIndicator: { 'aria-label': selection.allLabel } } : undefined}>
            {({ renderHeaderCell }) => <DataGridHeaderCell>{renderHeaderCell()}</DataGridHeaderCell>}
          </DataGridRow>
        </DataGridHeader>
        <DataGridBody<T>>
          {({ item, rowId }) => (
            <DataGridRow<T> key={rowId} selectionCell={selection ? { checkboxIndicator: { 'aria-label': selection.rowLabel(item) } } : undefined}>
              {({ renderCell }) => <DataGridCell>{renderCell(item)}</DataGridCell>}
            </DataGridRow>
          )}
        </DataGridBody>
      </DataGrid>
      {items.length === 0 && empty}
    </>
  );
}
