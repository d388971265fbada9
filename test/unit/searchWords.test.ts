import { searchWords } from '../../shared/domain/searchWords';

test('a name is split into lower-cased words at spaces, punctuation and changes of case, as Graph tokenises displayName', () => {
  expect(searchWords('Alex Wilber')).toEqual(['alex', 'wilber']);
  expect(searchWords('alan Turing')).toEqual(['alan', 'turing']);
  expect(searchWords('OneVideo')).toEqual(['one', 'video']);
  expect(searchWords('HRTeam')).toEqual(['hr', 'team']);
  expect(searchWords('Sales-EMEA')).toEqual(['sales', 'emea']);
  expect(searchWords("O'Neil, Bob")).toEqual(['o', 'neil', 'bob']);
  expect(searchWords('Zoë Nobody')).toEqual(['zoë', 'nobody']);
  expect(searchWords('Project 2024 Q1')).toEqual(['project', '2024', 'q1']);
  expect(searchWords('ALLCAPS')).toEqual(['allcaps']);
});

test('each word once, none empty', () => {
  expect(searchWords('  Team  team TEAM ')).toEqual(['team']);
  expect(searchWords('')).toEqual([]);
  expect(searchWords('--')).toEqual([]);
});
